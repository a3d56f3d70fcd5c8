package ir.samat.sample

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Typography
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.platform.LocalLayoutDirection
import androidx.compose.ui.text.font.Font
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.LayoutDirection
import androidx.core.content.ContextCompat
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch

/** One activity; the screens are plain state (no navigation library, to keep the sample small). */
class MainActivity : ComponentActivity() {
    private val model: SamatViewModel by viewModels()

    /** Android 13+: whatever the answer, register for push (the list still updates when opened). */
    private val notificationPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) { registerPush() }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        Push.createChannel(this)
        if (savedInstanceState == null) openFromNotification(intent)
        setContent {
            // Right to left whatever the device language: the app is Persian, in its own font.
            CompositionLocalProvider(LocalLayoutDirection provides LayoutDirection.Rtl) {
                MaterialTheme(typography = persianTypography()) {
                    Surface { SamatApp(model) }
                }
            }
        }
        // Once logged in (now or after the SMS code): notifications permission, then push registration.
        lifecycleScope.launch {
            model.state.first { it.loggedIn }
            if (model.pushSetUp) return@launch
            model.pushSetUp = true
            if (Build.VERSION.SDK_INT >= 33 &&
                ContextCompat.checkSelfPermission(this@MainActivity, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
            ) {
                notificationPermission.launch(Manifest.permission.POST_NOTIFICATIONS)
            } else {
                registerPush()
            }
        }
    }

    override fun onStart() {
        super.onStart()
        model.setVisible(true)
    }

    override fun onStop() {
        model.setVisible(false)
        super.onStop()
    }

    /** A notification tapped while the activity is open. */
    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        openFromNotification(intent)
    }

    private fun openFromNotification(intent: Intent?) {
        intent?.getStringExtra(Push.EXTRA_TRACKING_CODE)?.let(model::openFromNotification)
    }

    /** UnifiedPush when a distributor is installed, else FCM, else none (see [Push.register]). */
    private fun registerPush() {
        lifecycleScope.launch { Push.register(this@MainActivity) }
    }
}

@Composable
fun SamatApp(model: SamatViewModel = viewModel()) {
    val state by model.state.collectAsState()
    val screen = state.screen
    BackHandler(enabled = screen !is Screen.List && screen !is Screen.Login) { model.show(Screen.List) }
    when (screen) {
        Screen.Loading -> LoadingScreen(state.message)
        Screen.Login -> LoginScreen(state, model)
        Screen.List -> ListScreen(state, model)
        Screen.NewComplaint -> NewComplaintScreen(state, model)
        Screen.Scan -> ScanScreen(model)
        is Screen.Submitted -> SubmittedScreen(state, screen.trackingCode, model)
        is Screen.Detail -> DetailScreen(state, screen.trackingCode, model)
    }
}

/** Vazirmatn (bundled in res/font, SIL Open Font Licence) for every text style of Material 3. */
private val Vazirmatn = FontFamily(Font(R.font.vazirmatn_regular, FontWeight.Normal), Font(R.font.vazirmatn_bold, FontWeight.Bold))

fun persianTypography(): Typography {
    val base = Typography()
    return Typography(
        displayLarge = base.displayLarge.copy(fontFamily = Vazirmatn),
        displayMedium = base.displayMedium.copy(fontFamily = Vazirmatn),
        displaySmall = base.displaySmall.copy(fontFamily = Vazirmatn),
        headlineLarge = base.headlineLarge.copy(fontFamily = Vazirmatn),
        headlineMedium = base.headlineMedium.copy(fontFamily = Vazirmatn),
        headlineSmall = base.headlineSmall.copy(fontFamily = Vazirmatn),
        titleLarge = base.titleLarge.copy(fontFamily = Vazirmatn),
        titleMedium = base.titleMedium.copy(fontFamily = Vazirmatn),
        titleSmall = base.titleSmall.copy(fontFamily = Vazirmatn),
        bodyLarge = base.bodyLarge.copy(fontFamily = Vazirmatn),
        bodyMedium = base.bodyMedium.copy(fontFamily = Vazirmatn),
        bodySmall = base.bodySmall.copy(fontFamily = Vazirmatn),
        labelLarge = base.labelLarge.copy(fontFamily = Vazirmatn),
        labelMedium = base.labelMedium.copy(fontFamily = Vazirmatn),
        labelSmall = base.labelSmall.copy(fontFamily = Vazirmatn),
    )
}
