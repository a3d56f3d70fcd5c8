package ir.samat.sample

import android.content.Context
import android.graphics.BitmapFactory
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.core.content.FileProvider
import ir.samat.core.DraftFields
import ir.samat.core.JalaliDay
import ir.samat.core.SamatException
import ir.samat.ffi.formatRials
import ir.samat.ffi.isoDateToJalali
import ir.samat.ffi.jalaliDay
import ir.samat.ffi.jalaliMonthNames
import ir.samat.ffi.jalaliToIsoDate
import ir.samat.ffi.parseRials
import java.io.File
import java.util.UUID
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The complaint form: the business (scanned, by guild ID, or from the registry by name and
 * city), the category, what happened, the day on a Jalali picker, the amount, the address,
 * photos from the camera or the gallery with thumbnails, and the compensation claim. Every
 * field is checked by the library (`validate` and `submit`), which answers in Persian.
 */
@Composable
fun NewComplaintScreen(state: UiState, model: SamatViewModel) {
    val draft = state.draft ?: return LoadingScreen()
    val f = draft.fields
    var category by remember(draft.id) { mutableStateOf(f.category) }
    var description by remember(draft.id) { mutableStateOf(f.description ?: "") }
    var guildId by remember(draft.id, f.guildId) { mutableStateOf(f.guildId ?: "") }
    var businessName by remember(draft.id, f.businessName) { mutableStateOf(f.businessName ?: "") }
    var address by remember(draft.id, f.businessAddress) { mutableStateOf(f.businessAddress ?: "") }
    var city by remember(draft.id, f.city) { mutableStateOf(f.city ?: "") }
    var amount by remember(draft.id) { mutableStateOf(f.amountRials?.let { formatRials(it).removeSuffix(" ریال") } ?: "") }
    var day by remember(draft.id) { mutableStateOf(f.incidentDate?.let { isoDateToJalali(it) }) }
    var compensation by remember(draft.id) { mutableStateOf(f.wantsCompensation ?: false) }
    var query by remember { mutableStateOf("") }
    var amountProblem by remember { mutableStateOf<String?>(null) }

    /** The form as typed, for saving and submitting (the library checks it). */
    fun fields(): DraftFields {
        val rials = try {
            parseRials(amount).also { amountProblem = null }
        } catch (e: SamatException.Invalid) {
            amountProblem = e.fields.firstOrNull()?.messageFa
            f.amountRials
        }
        return f.copy(
            category = category, description = description, guildId = guildId.ifBlank { null },
            businessName = businessName.ifBlank { null }, businessAddress = address.ifBlank { null }, city = city.ifBlank { null },
            incidentDate = day?.let { jalaliToIsoDate(it) }, amountRials = rials, wantsCompensation = compensation,
        )
    }

    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    // The camera writes a full-resolution photo into a file of ours; the library downscales it.
    var cameraFile by remember { mutableStateOf<File?>(null) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val file = cameraFile
        if (saved && file != null) model.addPhotoFile(file.absolutePath) { file.delete() } else file?.delete()
    }
    val gallery = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri: Uri? ->
        if (uri != null) scope.launch { readBytes(context, uri)?.let(model::addPhoto) }
    }

    Page {
        Text(stringResource(R.string.new_complaint), style = MaterialTheme.typography.headlineSmall)
        OfflineBanner(state, model)

        // The business.
        Text(stringResource(R.string.business), style = MaterialTheme.typography.titleMedium)
        state.scanned?.let { Text(stringResource(if (it.verified) R.string.verified else R.string.unverified), style = MaterialTheme.typography.bodySmall) }
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedTextField(
                guildId, { guildId = it }, label = { Text(stringResource(R.string.guild_id)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), modifier = Modifier.weight(1f),
            )
            OutlinedButton({ model.lookupGuildId(fields(), guildId) }, enabled = guildId.isNotBlank() && !state.busy) { Text(stringResource(R.string.look_up)) }
        }
        TextButton({ model.show(Screen.Scan) }) { Text(stringResource(R.string.scan_guild_code)) }
        Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedTextField(query, { query = it }, label = { Text(stringResource(R.string.search_by_name)) }, modifier = Modifier.weight(1f))
            OutlinedButton({ model.searchBusinesses(query, city) }, enabled = !state.busy) { Text(stringResource(R.string.search)) }
        }
        state.businesses.forEach { b ->
            Card(Modifier.fillMaxWidth().clickable { model.chooseBusiness(fields(), b) }) {
                Column(Modifier.fillMaxWidth().padding(8.dp)) {
                    Text(b.name, style = MaterialTheme.typography.titleSmall)
                    Text(listOfNotNull(b.city, b.address, b.licenceStatus?.labelFa()).joinToString(" · "), style = MaterialTheme.typography.bodySmall)
                }
            }
        }
        OutlinedTextField(businessName, { businessName = it }, label = { Text(stringResource(R.string.business_name)) }, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(address, { address = it }, label = { Text(stringResource(R.string.address)) }, modifier = Modifier.fillMaxWidth())
        OutlinedTextField(city, { city = it }, label = { Text(stringResource(R.string.city)) }, modifier = Modifier.fillMaxWidth())
        HorizontalRule()

        // What happened.
        Text(stringResource(R.string.category), style = MaterialTheme.typography.titleMedium)
        state.categoryList.forEach { c ->
            Row(Modifier.fillMaxWidth().clickable { category = c.wireName }, verticalAlignment = Alignment.CenterVertically) {
                RadioButton(selected = category == c.wireName, onClick = { category = c.wireName })
                Text(c.labelFa)
            }
        }
        OutlinedTextField(description, { description = it }, label = { Text(stringResource(R.string.description)) }, minLines = 4, modifier = Modifier.fillMaxWidth())
        Text(stringResource(R.string.incident_date), style = MaterialTheme.typography.titleMedium)
        JalaliDatePicker(day) { day = it }
        OutlinedTextField(
            amount, { amount = it }, label = { Text(stringResource(R.string.amount_rials)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), modifier = Modifier.fillMaxWidth(),
            isError = amountProblem != null, supportingText = { amountProblem?.let { Text(it) } },
        )
        Row(verticalAlignment = Alignment.CenterVertically) {
            Checkbox(compensation, { compensation = it })
            Text(stringResource(R.string.wants_compensation))
        }
        HorizontalRule()

        // Photos.
        Text(stringResource(R.string.photos, persian(draft.photos.size)), style = MaterialTheme.typography.titleMedium)
        Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            draft.photos.forEach { p ->
                Box {
                    Thumbnail(p.path)
                    TextButton({ model.removePhoto(p.id) }, modifier = Modifier.align(Alignment.TopStart)) { Text("✕") }
                }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton({
                val file = File(context.cacheDir, "camera/${UUID.randomUUID()}.jpg").also { it.parentFile?.mkdirs() }
                cameraFile = file
                camera.launch(FileProvider.getUriForFile(context, context.packageName + ".photos", file))
            }) { Text(stringResource(R.string.take_photo)) }
            OutlinedButton({ gallery.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly)) }) {
                Text(stringResource(R.string.choose_photo))
            }
        }
        Message(state)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button({ model.submit(fields()) }, enabled = !state.busy, modifier = Modifier.weight(1f)) { Text(stringResource(R.string.submit)) }
            OutlinedButton({ model.save(fields()) }, enabled = !state.busy) { Text(stringResource(R.string.save_draft)) }
        }
    }
}

/** The gallery's photo, read off the main thread. */
private suspend fun readBytes(context: Context, uri: Uri): ByteArray? = withContext(Dispatchers.IO) {
    runCatching { context.contentResolver.openInputStream(uri)?.use { it.readBytes() } }.getOrNull()
}

/** A JPEG from the library's storage as a small picture, decoded off the main thread. */
@Composable
fun Thumbnail(path: String, sizeDp: Int = 96) {
    val image by produceState<ImageBitmap?>(null, path) {
        value = withContext(Dispatchers.IO) {
            val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
            BitmapFactory.decodeFile(path, bounds)
            var sample = 1
            while (bounds.outWidth / (sample * 2) >= sizeDp * 3 && bounds.outHeight / (sample * 2) >= sizeDp * 3) sample *= 2
            BitmapFactory.decodeFile(path, BitmapFactory.Options().apply { inSampleSize = sample })?.asImageBitmap()
        }
    }
    Box(Modifier.size(sizeDp.dp), contentAlignment = Alignment.Center) {
        image?.let { Image(it, contentDescription = stringResource(R.string.photo), contentScale = ContentScale.Crop, modifier = Modifier.size(sizeDp.dp)) }
    }
}

/**
 * The day of the incident in the Solar Hijri calendar: day, month (by name) and year as
 * choices, today by default; the library turns it into the Gregorian date the form carries.
 */
@Composable
fun JalaliDatePicker(value: JalaliDay?, onChange: (JalaliDay?) -> Unit) {
    val today = remember { jalaliDay(System.currentTimeMillis()) }
    val months = remember { jalaliMonthNames() }
    val chosen = value ?: today
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
        Choice(persian(chosen.day.toInt()), (1..31).map { persian(it) }) { i -> onChange(chosen.copy(day = (i + 1).toUByte())) }
        Choice(months[chosen.month.toInt() - 1], months) { i -> onChange(chosen.copy(month = (i + 1).toUByte())) }
        val years = (0..2).map { today.year - it }
        Choice(persian(chosen.year), years.map { persian(it) }) { i -> onChange(chosen.copy(year = years[i])) }
        if (value != null) TextButton({ onChange(null) }) { Text(stringResource(R.string.clear)) }
    }
    if (value != null && jalaliToIsoDate(value) == null) Text(stringResource(R.string.no_such_day), color = MaterialTheme.colorScheme.error)
}

/** A button showing the current choice, opening the list of choices. */
@Composable
private fun Choice(current: String, options: List<String>, onPick: (Int) -> Unit) {
    var open by remember { mutableStateOf(false) }
    Box {
        OutlinedButton({ open = true }) { Text(current) }
        DropdownMenu(open, { open = false }) {
            options.forEachIndexed { i, label ->
                DropdownMenuItem(text = { Text(label) }, onClick = {
                    open = false
                    onPick(i)
                })
            }
        }
    }
}
