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
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.platform.LocalLayoutDirection
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
            // Right to left whatever the device language: the app is Persian.
            CompositionLocalProvider(LocalLayoutDirection provides LayoutDirection.Rtl) {
                MaterialTheme {
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
        is Screen.Detail -> DetailScreen(state, screen.trackingCode, model)
    }
}
