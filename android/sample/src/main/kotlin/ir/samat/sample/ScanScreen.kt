package ir.samat.sample

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import ir.samat.core.SamatException
import ir.samat.scanLuma
import kotlinx.coroutines.runBlocking
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The camera on the shop's guild QR: CameraX hands each frame's Y plane (with its row stride)
 * straight to the library's scanner — no bitmap, no RGB copy. The first guild code wins.
 */
@Composable
fun ScanScreen(model: SamatViewModel) {
    val context = LocalContext.current
    val lifecycle = LocalLifecycleOwner.current
    var allowed by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { allowed = it }
    LaunchedEffect(Unit) { if (!allowed) ask.launch(Manifest.permission.CAMERA) }

    Column(Modifier.fillMaxSize().padding(16.dp)) {
        Text(stringResource(R.string.scan_hint))
        OutlinedButton({ model.skipScan() }, Modifier.fillMaxWidth().padding(vertical = 8.dp)) { Text(stringResource(R.string.skip_scan)) }
        if (!allowed) {
            Text(stringResource(R.string.camera_permission))
            return@Column
        }
        val analyzer = remember { Executors.newSingleThreadExecutor() }
        val found = remember { AtomicBoolean(false) }
        var bound by remember { mutableStateOf<ProcessCameraProvider?>(null) }
        DisposableEffect(Unit) {
            onDispose {
                bound?.unbindAll()
                analyzer.shutdown()
            }
        }
        AndroidView(
            modifier = Modifier.fillMaxSize(),
            factory = { ctx ->
                val view = PreviewView(ctx)
                val providerFuture = ProcessCameraProvider.getInstance(ctx)
                providerFuture.addListener({
                    val provider = providerFuture.get()
                    val preview = Preview.Builder().build().also { it.setSurfaceProvider(view.surfaceProvider) }
                    val analysis = ImageAnalysis.Builder()
                        .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                        .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888)
                        .build()
                    analysis.setAnalyzer(analyzer) { image ->
                        try {
                            if (!found.get()) {
                                val y = image.planes[0]
                                // On the analyzer's own thread: blocking here is what backpressure expects.
                                val codes = runBlocking { model.client.scanLuma(y.buffer, image.width, image.height, y.rowStride) }
                                codes.firstNotNullOfOrNull { it.guild }?.let { guild ->
                                    if (found.compareAndSet(false, true)) ContextCompat.getMainExecutor(ctx).execute { model.scanned(guild) { found.set(false) } }
                                }
                            }
                        } catch (e: SamatException) {
                            // A frame the scanner refused (odd geometry): wait for the next one.
                        } finally {
                            image.close()
                        }
                    }
                    provider.unbindAll()
                    provider.bindToLifecycle(lifecycle, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
                    bound = provider
                }, ContextCompat.getMainExecutor(ctx))
                view
            },
        )
    }
}
