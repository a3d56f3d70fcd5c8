package ir.samat.sample

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
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.style.TextDirection
import androidx.compose.ui.unit.dp
import ir.samat.core.Connection
import ir.samat.core.OutboxKind
import ir.samat.core.OutboxState
import ir.samat.ffi.OutboxItem
import ir.samat.ffi.toPersianDigits

@Composable
fun LoadingScreen(message: String? = null) = Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
    if (message == null) CircularProgressIndicator() else Text(message, color = MaterialTheme.colorScheme.error)
}

@Composable
fun Message(state: UiState) {
    state.message?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(vertical = 8.dp)) }
}

/** A tracking code as the SMS writes it: ten Latin digits, left to right inside Persian text, selectable to copy. */
@Composable
fun TrackingCodeText(code: String, large: Boolean = false) {
    SelectionContainer {
        Text(
            code,
            style = (if (large) MaterialTheme.typography.displaySmall else MaterialTheme.typography.titleMedium).copy(textDirection = TextDirection.Ltr),
            fontWeight = FontWeight.Bold,
        )
    }
}

/** The offline banner: shown while the server cannot be reached, with what that means for queued work. */
@Composable
fun OfflineBanner(state: UiState, model: SamatViewModel) {
    if (state.connection != Connection.OFFLINE) return
    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer), modifier = Modifier.fillMaxWidth()) {
        Row(Modifier.padding(12.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(stringResource(R.string.offline_banner), Modifier.weight(1f))
            TextButton({ model.retry() }, enabled = !state.busy) { Text(stringResource(R.string.retry)) }
        }
    }
}

@Composable
fun LoginScreen(state: UiState, model: SamatViewModel) {
    var phone by remember { mutableStateOf(state.phone) }
    var code by remember { mutableStateOf("") }
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(stringResource(R.string.login_title), style = MaterialTheme.typography.headlineSmall)
        OfflineBanner(state, model)
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
        LazyColumn(Modifier.padding(padding).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            item {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Row(verticalAlignment = Alignment.CenterVertically) {
                        Text(stringResource(R.string.my_complaints), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.weight(1f))
                        TextButton({ model.logout() }, enabled = !state.busy) { Text(stringResource(R.string.logout)) }
                    }
                    OfflineBanner(state, model)
                    Message(state)
                }
            }
            if (state.outbox.isNotEmpty()) {
                item { Text(stringResource(R.string.outbox_title), style = MaterialTheme.typography.titleMedium) }
                items(state.outbox, key = { "o" + it.id }) { OutboxCard(it, state, model) }
            }
            if (state.complaints.isEmpty() && state.outbox.isEmpty()) {
                item { Text(stringResource(R.string.no_complaints), Modifier.padding(top = 24.dp)) }
            }
            items(state.complaints, key = { it.trackingCode }) { c ->
                Card(Modifier.fillMaxWidth().clickable { model.open(c.trackingCode) }) {
                    Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                        // The shop's name: given, or the registry's for its guild ID.
                        Text(c.businessName ?: c.category?.labelFa() ?: "", style = MaterialTheme.typography.titleMedium)
                        Row(verticalAlignment = Alignment.CenterVertically) {
                            Text(stringResource(R.string.tracking_code) + ": ")
                            TrackingCodeText(c.trackingCode)
                        }
                        AssistChip(onClick = { model.open(c.trackingCode) }, label = { Text(c.stage.labelFa()) })
                        if (c.choices.decide) Text(stringResource(R.string.awaiting_your_answer), color = MaterialTheme.colorScheme.primary)
                        c.events.lastOrNull()?.let { Text(it.atJalali, style = MaterialTheme.typography.bodySmall) }
                    }
                }
            }
        }
    }
}

/** A queued or refused item, with what to do about it. */
@Composable
private fun OutboxCard(item: OutboxItem, state: UiState, model: SamatViewModel) {
    val what = stringResource(
        when (item.kind) {
            OutboxKind.COMPLAINT -> R.string.kind_complaint
            OutboxKind.PHOTO -> R.string.kind_photo
            OutboxKind.DECISION -> R.string.kind_decision
            OutboxKind.WITHDRAW -> R.string.kind_withdraw
            OutboxKind.FEEDBACK -> R.string.kind_feedback
        },
    )
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(what, style = MaterialTheme.typography.titleSmall)
            item.trackingCode?.let { TrackingCodeText(it) }
            if (item.state == OutboxState.QUEUED) {
                Text(stringResource(R.string.queued_explained))
                TextButton({ model.retry() }, enabled = !state.busy) { Text(stringResource(R.string.send_now)) }
            } else {
                // Refused: the server's reason in Persian, and the way out.
                Text(item.lastError?.messageFa ?: stringResource(R.string.refused), color = MaterialTheme.colorScheme.error)
                item.lastError?.fields?.forEach { Text("• " + it.messageFa, color = MaterialTheme.colorScheme.error) }
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (item.kind == OutboxKind.COMPLAINT && item.draftId != null) {
                        OutlinedButton({ model.fixDraft(item) }) { Text(stringResource(R.string.fix_and_resend)) }
                    }
                    TextButton({ model.discard(item) }) { Text(stringResource(R.string.discard)) }
                }
            }
        }
    }
}

/** After submitting: the tracking code large (it comes by SMS too), or that the complaint waits to be sent. */
@Composable
fun SubmittedScreen(state: UiState, trackingCode: String?, model: SamatViewModel) {
    Column(Modifier.fillMaxSize().padding(24.dp), verticalArrangement = Arrangement.spacedBy(16.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        if (trackingCode != null) {
            Text(stringResource(R.string.filed_title), style = MaterialTheme.typography.headlineSmall)
            Text(stringResource(R.string.tracking_code))
            TrackingCodeText(trackingCode, large = true)
            Text(stringResource(R.string.filed_sms))
            Button({ model.open(trackingCode) }) { Text(stringResource(R.string.follow_it)) }
        } else {
            Text(stringResource(R.string.queued_title), style = MaterialTheme.typography.headlineSmall)
            Text(stringResource(R.string.queued_body))
            OfflineBanner(state, model)
        }
        OutlinedButton({ model.show(Screen.List) }) { Text(stringResource(R.string.my_complaints)) }
        Message(state)
    }
}

/** A number in Persian digits for display (counts, days); tracking codes stay as they are. */
fun persian(n: Int): String = toPersianDigits(n.toString())

@Composable
fun HorizontalRule() = HorizontalDivider(Modifier.padding(vertical = 4.dp))

/** Shared by the form and the detail: a vertically scrolling page. */
@Composable
fun Page(content: @Composable () -> Unit) {
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        content()
    }
}
