package ir.samat.sample

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.platform.LocalLayoutDirection
import androidx.compose.ui.unit.LayoutDirection
import androidx.lifecycle.viewmodel.compose.viewModel

/** One activity; the screens are plain state (no navigation library, to keep the sample small). */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            // Right to left whatever the device language: the app is Persian.
            CompositionLocalProvider(LocalLayoutDirection provides LayoutDirection.Rtl) {
                MaterialTheme {
                    Surface { SamatApp() }
                }
            }
        }
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
