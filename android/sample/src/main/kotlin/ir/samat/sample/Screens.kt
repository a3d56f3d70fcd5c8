package ir.samat.sample

import android.graphics.Bitmap
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import ir.samat.ffi.DraftFields
import ir.samat.ffi.toPersianDigits
import java.io.ByteArrayOutputStream

@Composable
fun LoadingScreen(message: String? = null) = Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
    if (message == null) CircularProgressIndicator() else Text(message, color = MaterialTheme.colorScheme.error)
}

@Composable
private fun Message(state: UiState) {
    state.message?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(vertical = 8.dp)) }
}

@Composable
fun LoginScreen(state: UiState, model: SamatViewModel) {
    var phone by remember { mutableStateOf(state.phone) }
    var code by remember { mutableStateOf("") }
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.login_title), style = MaterialTheme.typography.headlineSmall)
        OutlinedTextField(
            phone, { phone = it }, label = { Text(stringResource(R.string.phone)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone), modifier = Modifier.fillMaxWidth(),
        )
        Button({ model.requestCode(phone) }, enabled = !state.busy) { Text(stringResource(R.string.send_code)) }
        if (state.codeSent) {
            OutlinedTextField(
                code, { code = it }, label = { Text(stringResource(R.string.sms_code)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword), modifier = Modifier.fillMaxWidth(),
            )
            Button({ model.verify(code) }, enabled = !state.busy) { Text(stringResource(R.string.login)) }
        }
        Message(state)
    }
}

@Composable
fun ListScreen(state: UiState, model: SamatViewModel) {
    Scaffold(
        floatingActionButton = {
            ExtendedFloatingActionButton(onClick = { model.newComplaint() }) { Text(stringResource(R.string.new_complaint)) }
        },
    ) { padding ->
        Column(Modifier.padding(padding).padding(16.dp)) {
            Text(stringResource(R.string.my_complaints), style = MaterialTheme.typography.headlineSmall)
            if (state.queued > 0) Text(stringResource(R.string.queued, toPersianDigits(state.queued.toString())))
            Message(state)
            if (state.complaints.isEmpty()) Text(stringResource(R.string.no_complaints), Modifier.padding(top = 24.dp))
            LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                items(state.complaints, key = { it.trackingCode }) { c ->
                    Card(Modifier.fillMaxWidth().clickable { model.open(c.trackingCode) }) {
                        Column(Modifier.padding(12.dp)) {
                            Text(c.businessName ?: c.category?.labelFa() ?: "", style = MaterialTheme.typography.titleMedium)
                            Text(stringResource(R.string.tracking_code) + ": " + toPersianDigits(c.trackingCode))
                            AssistChip(onClick = { model.open(c.trackingCode) }, label = { Text(c.stage.labelFa()) })
                            c.events.lastOrNull()?.let { Text(it.atJalali, style = MaterialTheme.typography.bodySmall) }
                        }
                    }
                }
            }
        }
    }
}

@Composable
fun NewComplaintScreen(state: UiState, model: SamatViewModel) {
    val draft = state.draft ?: return LoadingScreen()
    var category by remember { mutableStateOf(draft.fields.category) }
    var description by remember { mutableStateOf(draft.fields.description ?: "") }
    var compensation by remember { mutableStateOf(draft.fields.wantsCompensation ?: false) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.TakePicturePreview()) { bitmap: Bitmap? ->
        bitmap?.let { model.addPhoto(ByteArrayOutputStream().also { out -> it.compress(Bitmap.CompressFormat.JPEG, 90, out) }.toByteArray()) }
    }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.new_complaint), style = MaterialTheme.typography.headlineSmall)
        Text(stringResource(R.string.business) + ": " + (draft.fields.businessName ?: draft.fields.guildId?.let(::toPersianDigits) ?: "—"))
        state.scanned?.let { Text(stringResource(if (it.verified) R.string.verified else R.string.unverified), style = MaterialTheme.typography.bodySmall) }
        HorizontalDivider()
        Text(stringResource(R.string.category), style = MaterialTheme.typography.titleMedium)
        state.categoryList.forEach { c ->
            Row(Modifier.fillMaxWidth().clickable { category = c.wireName }, verticalAlignment = Alignment.CenterVertically) {
                RadioButton(selected = category == c.wireName, onClick = { category = c.wireName })
                Text(c.labelFa)
            }
        }
        OutlinedTextField(description, { description = it }, label = { Text(stringResource(R.string.description)) }, minLines = 4, modifier = Modifier.fillMaxWidth())
        Row(verticalAlignment = Alignment.CenterVertically) {
            Checkbox(compensation, { compensation = it })
            Text(stringResource(R.string.wants_compensation))
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            OutlinedButton({ camera.launch(null) }) { Text(stringResource(R.string.add_photo)) }
            Text(stringResource(R.string.photos, toPersianDigits(draft.photos.size.toString())))
        }
        Message(state)
        Button(
            { model.submit(draft.fields.copy(category = category, description = description, wantsCompensation = compensation)) },
            enabled = !state.busy, modifier = Modifier.fillMaxWidth(),
        ) { Text(stringResource(R.string.submit)) }
    }
}

@Composable
fun DetailScreen(state: UiState, trackingCode: String, model: SamatViewModel) {
    val complaint = state.complaints.firstOrNull { it.trackingCode == trackingCode } ?: return LoadingScreen()
    Column(Modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedButton({ model.show(Screen.List) }) { Text(stringResource(R.string.back)) }
        Text(stringResource(R.string.tracking_code) + ": " + toPersianDigits(trackingCode), style = MaterialTheme.typography.titleLarge)
        Text(complaint.stage.labelFa(), style = MaterialTheme.typography.titleMedium, color = MaterialTheme.colorScheme.primary)
        complaint.detail?.let { d ->
            Text(d.category.labelFa())
            Text(d.description)
            Text(d.createdAtJalali, style = MaterialTheme.typography.bodySmall)
        }
        HorizontalDivider()
        Text(stringResource(R.string.history), style = MaterialTheme.typography.titleMedium)
        LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
            items(complaint.events, key = { it.seq }) { e ->
                Column {
                    Text(e.stage.labelFa(), style = MaterialTheme.typography.bodyLarge)
                    Text(e.atJalali + " · " + e.actorLabelFa, style = MaterialTheme.typography.bodySmall)
                    e.note?.let { Text(it) }
                }
            }
        }
        Message(state)
    }
}
