package ir.samat.sample

import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import ir.samat.core.PhotoState
import ir.samat.ffi.LocalComplaint
import ir.samat.ffi.Verdict
import ir.samat.ffi.formatRials

/**
 * One complaint: where it stands, the verdict when there is one, the business's answer with
 * "satisfied / not satisfied" while it is asked, what was filed with its photos, the history,
 * and what the citizen may still do (withdraw, complain about the handling) — each offered
 * only when the library's `choices` say so.
 */
@Composable
fun DetailScreen(state: UiState, trackingCode: String, model: SamatViewModel) {
    val complaint = state.complaints.firstOrNull { it.trackingCode == trackingCode } ?: return LoadingScreen(state.message)
    Page {
        OutlinedButton({ model.show(Screen.List) }) { Text(stringResource(R.string.back)) }
        OfflineBanner(state, model)
        Row(verticalAlignment = Alignment.CenterVertically) {
            Text(stringResource(R.string.tracking_code) + ": ")
            TrackingCodeText(trackingCode)
        }
        complaint.businessName?.let { Text(it, style = MaterialTheme.typography.titleLarge) }
        Text(complaint.stage.labelFa(), style = MaterialTheme.typography.titleMedium, color = MaterialTheme.colorScheme.primary)
        Text(complaint.nextStepFa, style = MaterialTheme.typography.bodyMedium)
        Message(state)

        complaint.verdict?.let { VerdictCard(it) }
        if (complaint.choices.decide) DecisionCard(complaint, state, model)

        complaint.detail?.let { d ->
            HorizontalRule()
            Text(d.category.labelFa(), style = MaterialTheme.typography.titleMedium)
            Text(d.description)
            Fact(R.string.filed_at, d.createdAtJalali)
            d.incidentDateJalali?.let { Fact(R.string.incident_date, it) }
            d.amountRials?.let { Fact(R.string.amount, formatRials(it)) }
            d.businessAddress?.let { Fact(R.string.address, it) }
            d.city?.let { Fact(R.string.city, it) }
            if (d.wantsCompensation) Text(stringResource(R.string.wants_compensation))
        }
        if (state.photos.isNotEmpty()) {
            Text(stringResource(R.string.photos, persian(state.photos.size)), style = MaterialTheme.typography.titleMedium)
            Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                state.photos.forEach { p ->
                    Column(horizontalAlignment = Alignment.CenterHorizontally) {
                        val path = p.path
                        if (path != null) Thumbnail(path) else Text(stringResource(R.string.photo_on_server))
                        if (p.state == PhotoState.QUEUED) Text(stringResource(R.string.photo_queued), style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
        }

        HorizontalRule()
        Text(stringResource(R.string.history), style = MaterialTheme.typography.titleMedium)
        complaint.events.forEach { e ->
            Column(Modifier.padding(vertical = 4.dp)) {
                Text(e.stage.labelFa(), style = MaterialTheme.typography.bodyLarge)
                Text(e.atJalali + " · " + e.actorLabelFa, style = MaterialTheme.typography.bodySmall)
                e.note?.let { Text(it) }
            }
        }

        if (complaint.choices.withdraw) WithdrawCard(complaint, state, model)
        if (complaint.choices.feedback) FeedbackCard(complaint, state, model)
    }
}

@Composable
private fun Fact(label: Int, value: String) = Text(stringResource(label) + ": " + value)

/** The verdict from the library's typed record: outcome, penalty, compensation, date. */
@Composable
fun VerdictCard(v: Verdict) {
    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(stringResource(R.string.verdict_title), style = MaterialTheme.typography.titleMedium)
            Text(v.outcomeFa, style = MaterialTheme.typography.titleLarge)
            v.penaltyFa?.let { Text(stringResource(R.string.penalty) + ": " + it) }
            v.compensationFa?.let { Text(stringResource(R.string.compensation_to_you) + ": " + it) }
            Text(stringResource(R.string.announced_at) + ": " + v.atJalali, style = MaterialTheme.typography.bodySmall)
        }
    }
}

/** In self-regulation: the business's answer, and "satisfied" (closed) or "not satisfied" (an inspector is sent). */
@Composable
private fun DecisionCard(c: LocalComplaint, state: UiState, model: SamatViewModel) {
    var note by remember { mutableStateOf("") }
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(stringResource(R.string.business_answer), style = MaterialTheme.typography.titleMedium)
            Text(c.businessAnswer ?: stringResource(R.string.business_answer_pending))
            OutlinedTextField(note, { note = it }, label = { Text(stringResource(R.string.your_note)) }, modifier = Modifier.fillMaxWidth())
            Button({ model.decide(c.trackingCode, true, note) }, enabled = !state.busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.satisfied))
            }
            OutlinedButton({ model.decide(c.trackingCode, false, note) }, enabled = !state.busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.not_satisfied))
            }
        }
    }
}

@Composable
private fun WithdrawCard(c: LocalComplaint, state: UiState, model: SamatViewModel) {
    var open by remember { mutableStateOf(false) }
    var note by remember { mutableStateOf("") }
    if (!open) {
        OutlinedButton({ open = true }) { Text(stringResource(R.string.withdraw)) }
        return
    }
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(stringResource(R.string.withdraw_explained))
            OutlinedTextField(note, { note = it }, label = { Text(stringResource(R.string.withdraw_reason)) }, modifier = Modifier.fillMaxWidth())
            Button({ model.withdraw(c.trackingCode, note) }, enabled = !state.busy) { Text(stringResource(R.string.withdraw_confirm)) }
        }
    }
}

/** The complaint about the handling: a rating of 1 to 5, a comment, and the ministry's complaints centre if asked. */
@Composable
private fun FeedbackCard(c: LocalComplaint, state: UiState, model: SamatViewModel) {
    var open by remember { mutableStateOf(false) }
    var rating by remember { mutableStateOf(0) }
    var comment by remember { mutableStateOf("") }
    var escalate by remember { mutableStateOf(false) }
    if (!open) {
        OutlinedButton({ open = true }) { Text(stringResource(R.string.feedback)) }
        return
    }
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(stringResource(R.string.feedback_question))
            Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
                (1..5).forEach { r -> FilterChip(selected = rating == r, onClick = { rating = r }, label = { Text(persian(r)) }) }
            }
            OutlinedTextField(comment, { comment = it }, label = { Text(stringResource(R.string.comment)) }, modifier = Modifier.fillMaxWidth())
            Row(verticalAlignment = Alignment.CenterVertically) {
                Checkbox(escalate, { escalate = it })
                Text(stringResource(R.string.escalate))
            }
            Button({ model.feedback(c.trackingCode, rating, comment, escalate) }, enabled = rating in 1..5 && !state.busy) {
                Text(stringResource(R.string.send_feedback))
            }
        }
    }
}
