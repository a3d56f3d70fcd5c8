import PhotosUI
import Samat
import SwiftUI
import UIKit

extension Font {
    /// Vazirmatn (bundled, SIL Open Font Licence: Fonts/OFL.txt), scaled with Dynamic Type.
    static func vazir(_ style: Font.TextStyle, bold: Bool = false) -> Font {
        let size: CGFloat = switch style {
        case .largeTitle: 34
        case .title: 28
        case .title2: 22
        case .title3: 20
        case .headline: 17
        case .subheadline: 15
        case .callout: 16
        case .footnote: 13
        case .caption: 12
        case .caption2: 11
        default: 17
        }
        return .custom(bold || style == .headline ? "Vazirmatn-Bold" : "Vazirmatn-Regular", size: size, relativeTo: style)
    }
}

struct RootView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        NavigationStack {
            switch model.screen {
            case .loading: ProgressView()
            case .login: LoginView()
            case .list: ComplaintListView()
            case .scan: ScanView()
            case .newComplaint: NewComplaintView()
            case .submitted(let code): SubmittedView(trackingCode: code)
            case .detail(let code): DetailView(trackingCode: code)
            }
        }
        .font(.vazir(.body))
    }
}

private struct MessageView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        if let message = model.message {
            Text(message).foregroundStyle(.red).font(.vazir(.callout))
        }
    }
}

/// The offline banner: shown while the server cannot be reached, with what that means for queued work.
struct OfflineBanner: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        if model.connection == .offline {
            HStack {
                Text("اتصال به سامانه برقرار نیست. کارهای شما روی گوشی می‌ماند و با برقراری اتصال ارسال می‌شود.").font(.vazir(.footnote))
                Spacer()
                Button("تلاش دوباره") { Task { await model.retry() } }.disabled(model.busy)
            }
            .padding(8)
            .background(Color.orange.opacity(0.2), in: RoundedRectangle(cornerRadius: 8))
        }
    }
}

/// A tracking code as the SMS writes it: ten Latin digits, left to right, selectable to copy.
struct TrackingCodeText: View {
    let code: String
    var large = false
    var body: some View {
        Text(code)
            .font(large ? .system(.largeTitle, design: .monospaced).bold() : .system(.headline, design: .monospaced))
            .environment(\.layoutDirection, .leftToRight)
            .textSelection(.enabled)
    }
}

struct LoginView: View {
    @EnvironmentObject var model: AppModel
    @State private var phone = ""
    @State private var code = ""

    var body: some View {
        Form {
            OfflineBanner()
            Section("ورود با شماره همراه") {
                TextField("شماره همراه", text: $phone).keyboardType(.phonePad)
                Button("دریافت کد") { Task { await model.requestCode(phone) } }.disabled(model.busy)
            }
            if model.codeSent {
                Section("کد پیامک‌شده") {
                    TextField("کد", text: $code).keyboardType(.numberPad).textContentType(.oneTimeCode)
                    Button("ورود") { Task { await model.verify(code) } }.disabled(model.busy)
                }
            }
            MessageView()
        }
        .navigationTitle("صمت ما")
    }
}

struct ComplaintListView: View {
    @EnvironmentObject var model: AppModel

    var body: some View {
        List {
            OfflineBanner()
            MessageView()
            if !model.outbox.isEmpty {
                Section("در صف ارسال") {
                    ForEach(model.outbox, id: \.id) { item in OutboxRow(item: item) }
                }
            }
            if model.complaints.isEmpty && model.outbox.isEmpty {
                Text("هنوز شکایتی ثبت نکرده‌اید.")
            }
            ForEach(model.complaints, id: \.trackingCode) { complaint in
                Button {
                    Task { await model.open(complaint.trackingCode) }
                } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        // The shop's name: given, or the registry's for its guild ID.
                        Text(complaint.businessName ?? complaint.category?.labelFa() ?? "").font(.vazir(.headline))
                        HStack { Text("کد رهگیری:"); TrackingCodeText(code: complaint.trackingCode) }.font(.vazir(.subheadline))
                        Text(complaint.stage.labelFa()).font(.vazir(.caption)).padding(4).background(.thinMaterial, in: Capsule())
                        if complaint.choices.decide {
                            Text("منتظر پاسخ شما به واحد صنفی").font(.vazir(.caption)).foregroundStyle(.tint)
                        }
                        if let last = complaint.events.last {
                            Text(last.atJalali).font(.vazir(.caption2)).foregroundStyle(.secondary)
                        }
                    }
                }
            }
        }
        .navigationTitle("شکایت‌های من")
        .toolbar {
            ToolbarItem(placement: .primaryAction) { Button("ثبت شکایت") { model.newComplaint() } }
            ToolbarItem(placement: .cancellationAction) { Button("خروج") { Task { await model.logout() } } }
        }
        .refreshable { await model.retry() }
    }
}

/// A queued or refused item, with what to do about it.
private struct OutboxRow: View {
    @EnvironmentObject var model: AppModel
    let item: OutboxItem

    private var what: String {
        switch item.kind {
        case .complaint: "شکایت"
        case .photo: "عکس شکایت"
        case .decision: "پاسخ شما به واحد صنفی"
        case .withdraw: "انصراف از شکایت"
        case .feedback: "نظر درباره رسیدگی"
        }
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(what).font(.vazir(.headline))
            if let code = item.trackingCode { TrackingCodeText(code: code) }
            if item.state == .queued {
                Text("روی گوشی ذخیره شده و با برقراری اتصال ارسال می‌شود.").font(.vazir(.footnote))
                Button("ارسال اکنون") { Task { await model.retry() } }
            } else {
                // Refused: the server's reason in Persian, and the way out.
                Text(item.lastError?.messageFa ?? "سامانه این مورد را نپذیرفت.").foregroundStyle(.red)
                ForEach(item.lastError?.fields ?? [], id: \.field) { Text("• " + $0.messageFa).foregroundStyle(.red) }
                HStack {
                    if item.kind == .complaint, item.draftId != nil {
                        Button("اصلاح و ارسال دوباره") { Task { await model.fixDraft(item) } }
                    }
                    Button("کنار گذاشتن", role: .destructive) { Task { await model.discard(item) } }
                }
                .buttonStyle(.borderless)
            }
        }
    }
}

/// The complaint form: the business (scanned, by guild ID, or from the registry by name and
/// city), the category, what happened, the day on a Jalali picker, the amount, the address,
/// photos from the camera or the library with thumbnails, and the compensation claim.
struct NewComplaintView: View {
    @EnvironmentObject var model: AppModel
    @State private var loaded: String?
    @State private var category: String?
    @State private var description = ""
    @State private var guildId = ""
    @State private var businessName = ""
    @State private var address = ""
    @State private var city = ""
    @State private var query = ""
    @State private var day: JalaliDay?
    @State private var amount = ""
    @State private var amountProblem: String?
    @State private var compensation = false
    @State private var picked: PhotosPickerItem?
    @State private var camera = false

    /// The form as typed (the library checks it on submit and answers in Persian).
    private func fields(_ draft: Draft) -> DraftFields {
        var f = draft.fields
        f.category = category
        f.description = description
        f.guildId = guildId.isEmpty ? nil : guildId
        f.businessName = businessName.isEmpty ? nil : businessName
        f.businessAddress = address.isEmpty ? nil : address
        f.city = city.isEmpty ? nil : city
        f.incidentDate = day.flatMap { jalaliToIsoDate(day: $0) }
        f.wantsCompensation = compensation
        do {
            f.amountRials = try parseRials(text: amount)
            amountProblem = nil
        } catch let error as SamatError {
            amountProblem = error.persianMessage
        } catch {}
        return f
    }

    /// Fills the fields from the draft (again when the library named the business).
    private func load(_ draft: Draft) {
        let f = draft.fields
        if loaded != draft.id {
            loaded = draft.id
            category = f.category
            description = f.description ?? ""
            compensation = f.wantsCompensation ?? false
            day = f.incidentDate.flatMap { isoDateToJalali(isoDate: $0) }
            amount = f.amountRials.map { formatRials(amount: $0).replacingOccurrences(of: " ریال", with: "") } ?? ""
        }
        guildId = f.guildId ?? ""
        businessName = f.businessName ?? ""
        address = f.businessAddress ?? ""
        city = f.city ?? ""
    }

    var body: some View {
        if let draft = model.draft {
            Form {
                OfflineBanner()
                Section("واحد صنفی") {
                    if let scanned = model.scanned {
                        Text(scanned.verified ? "برچسب معتبر وزارت صمت" : "برچسب تأییدنشده؛ شناسه را بررسی کنید").font(.vazir(.caption))
                    }
                    HStack {
                        TextField("شناسه صنفی", text: $guildId).keyboardType(.numberPad)
                        Button("یافتن") { Task { await model.lookUp(guildId: guildId, fields: fields(draft)) } }.disabled(guildId.isEmpty || model.busy)
                    }
                    Button("اسکن بارکد صنفی") { model.screen = .scan }
                    HStack {
                        TextField("جستجو با نام فروشگاه", text: $query)
                        Button("جستجو") { Task { await model.search(name: query, city: city) } }.disabled(model.busy)
                    }
                    ForEach(model.businesses, id: \.guildId) { b in
                        Button {
                            Task { await model.choose(b, fields: fields(draft)) }
                        } label: {
                            VStack(alignment: .leading) {
                                Text(b.name).font(.vazir(.headline))
                                Text([b.city, b.address, b.licenceStatus?.labelFa()].compactMap { $0 }.joined(separator: " · ")).font(.vazir(.caption))
                            }
                        }
                    }
                    TextField("نام واحد صنفی", text: $businessName)
                    TextField("نشانی", text: $address)
                    TextField("شهر", text: $city)
                }
                Section("نوع تخلف") {
                    Picker("نوع تخلف", selection: $category) {
                        Text("انتخاب کنید").tag(String?.none)
                        ForEach(model.categoryList, id: \.wireName) { c in
                            Text(c.labelFa).tag(Optional(c.wireName))
                        }
                    }
                }
                Section("شرح شکایت") {
                    TextEditor(text: $description).frame(minHeight: 120)
                }
                Section("تاریخ رخداد") {
                    JalaliDatePicker(day: $day)
                }
                Section("مبلغ (ریال)") {
                    TextField("مثلاً ۲٬۵۰۰٬۰۰۰", text: $amount).keyboardType(.numberPad)
                    if let amountProblem { Text(amountProblem).foregroundStyle(.red).font(.vazir(.caption)) }
                    Toggle("درخواست جبران خسارت دارم", isOn: $compensation)
                }
                Section("\(toPersianDigits(text: String(draft.photos.count))) عکس") {
                    ScrollView(.horizontal) {
                        HStack {
                            ForEach(draft.photos, id: \.id) { p in
                                Thumbnail(path: p.path).overlay(alignment: .topLeading) {
                                    Button { Task { await model.removePhoto(p.id) } } label: { Image(systemName: "xmark.circle.fill") }
                                }
                            }
                        }
                    }
                    if UIImagePickerController.isSourceTypeAvailable(.camera) {
                        Button("گرفتن عکس") { camera = true }
                    }
                    PhotosPicker(selection: $picked, matching: .images) { Text("انتخاب از گالری") }
                }
                MessageView()
                Button("ارسال شکایت") { Task { await model.submit(fields(draft)) } }.disabled(model.busy)
                Button("ذخیره پیش‌نویس") { Task { await model.save(fields(draft)) } }.disabled(model.busy)
            }
            .navigationTitle("ثبت شکایت")
            .onAppear { load(draft) }
            .onChange(of: model.draft?.fields) { _ in if let d = model.draft { load(d) } }
            .onChange(of: picked) { item in
                Task {
                    if let data = try? await item?.loadTransferable(type: Data.self) {
                        await model.addPhoto(PhotoData.acceptable(data))
                    }
                    picked = nil
                }
            }
            .sheet(isPresented: $camera) {
                CameraPicker { data in Task { await model.addPhoto(data) } }.ignoresSafeArea()
            }
        } else {
            ProgressView()
        }
    }
}

/// After submitting: the tracking code large (it comes by SMS too), or that the complaint waits to be sent.
struct SubmittedView: View {
    @EnvironmentObject var model: AppModel
    let trackingCode: String?

    var body: some View {
        VStack(spacing: 16) {
            if let trackingCode {
                Text("شکایت شما ثبت شد").font(.vazir(.title2, bold: true))
                Text("کد رهگیری")
                TrackingCodeText(code: trackingCode, large: true)
                Text("این کد رهگیری با پیامک هم برای شما فرستاده می‌شود. با آن می‌توانید شکایت را در درگاه 124.ir هم پیگیری کنید.")
                    .multilineTextAlignment(.center)
                Button("دیدن شکایت") { Task { await model.open(trackingCode) } }.buttonStyle(.borderedProminent)
            } else {
                Text("شکایت شما ذخیره شد").font(.vazir(.title2, bold: true))
                Text("هنوز به سامانه نرسیده است و با برقراری اتصال خودکار ارسال می‌شود. کد رهگیری پس از ارسال در فهرست شکایت‌ها دیده می‌شود و با پیامک هم می‌آید.")
                    .multilineTextAlignment(.center)
                OfflineBanner()
            }
            Button("شکایت‌های من") { model.screen = .list }
            MessageView()
        }
        .padding()
    }
}

/// One complaint: where it stands, the verdict, the business's answer with "satisfied / not
/// satisfied" while it is asked, what was filed with its photos, the history, and what the
/// citizen may still do — each offered only when the library's `choices` say so.
struct DetailView: View {
    @EnvironmentObject var model: AppModel
    let trackingCode: String
    @State private var note = ""
    @State private var withdrawNote = ""
    @State private var rating = 0
    @State private var comment = ""
    @State private var escalate = false

    var body: some View {
        if let complaint = model.complaints.first(where: { $0.trackingCode == trackingCode }) {
            List {
                OfflineBanner()
                Section {
                    HStack { Text("کد رهگیری:"); TrackingCodeText(code: trackingCode) }
                    if let name = complaint.businessName { Text(name).font(.vazir(.title3, bold: true)) }
                    Text(complaint.stage.labelFa()).foregroundStyle(.tint)
                    Text(complaint.nextStepFa).font(.vazir(.footnote))
                    MessageView()
                }
                if let v = complaint.verdict {
                    Section("رأی تعزیرات") {
                        Text(v.outcomeFa).font(.vazir(.title3, bold: true))
                        if let p = v.penaltyFa { Text("جریمه واحد صنفی: \(p)") }
                        if let c = v.compensationFa { Text("غرامت به شما: \(c)") }
                        Text("زمان اعلام: \(v.atJalali)").font(.vazir(.caption))
                    }
                }
                if complaint.choices.decide {
                    Section("پاسخ واحد صنفی") {
                        Text(complaint.businessAnswer
                            ?? "پاسخ واحد صنفی هنوز ثبت نشده است؛ پس از ثبت با پیامک خبر می‌دهیم. اگر پاسخ را بیرون از سامانه گرفته‌اید، همین حالا هم می‌توانید اعلام کنید.")
                        TextField("توضیح شما (اختیاری)", text: $note)
                        Button("راضی هستم؛ شکایت مختومه شود") { Task { await model.decide(trackingCode, accept: true, note: note) } }
                        Button("راضی نیستم؛ بازرس اعزام شود") { Task { await model.decide(trackingCode, accept: false, note: note) } }
                    }
                    .disabled(model.busy)
                }
                if let detail = complaint.detail {
                    Section("آنچه ثبت کردید") {
                        Text(detail.category.labelFa())
                        Text(detail.description)
                        Text("زمان ثبت: \(detail.createdAtJalali)").font(.vazir(.caption))
                        if let day = detail.incidentDateJalali { Text("تاریخ رخداد: \(day)") }
                        if let amount = detail.amountRials { Text("مبلغ: \(formatRials(amount: amount))") }
                        if let address = detail.businessAddress { Text("نشانی: \(address)") }
                        if detail.wantsCompensation { Text("درخواست جبران خسارت دارم") }
                    }
                }
                if !model.photos.isEmpty {
                    Section("عکس‌ها") {
                        ScrollView(.horizontal) {
                            HStack {
                                ForEach(model.photos, id: \.photoId) { p in
                                    VStack {
                                        if let path = p.path { Thumbnail(path: path) } else { Text("روی سامانه").font(.vazir(.caption)) }
                                        if p.state == .queued { Text("در صف ارسال").font(.vazir(.caption2)) }
                                    }
                                }
                            }
                        }
                    }
                }
                Section("روند رسیدگی") {
                    ForEach(complaint.events, id: \.seq) { event in
                        VStack(alignment: .leading) {
                            Text(event.stage.labelFa())
                            Text("\(event.atJalali) · \(event.actorLabelFa)").font(.vazir(.caption)).foregroundStyle(.secondary)
                            if let note = event.note { Text(note).font(.vazir(.callout)) }
                        }
                    }
                }
                if complaint.choices.withdraw {
                    Section("انصراف از شکایت") {
                        Text("با انصراف، رسیدگی به این شکایت متوقف می‌شود و نمی‌توان آن را دوباره باز کرد.").font(.vazir(.footnote))
                        TextField("دلیل انصراف (اختیاری)", text: $withdrawNote)
                        Button("انصراف می‌دهم", role: .destructive) { Task { await model.withdraw(trackingCode, note: withdrawNote) } }.disabled(model.busy)
                    }
                }
                if complaint.choices.feedback {
                    Section("نظر یا شکایت درباره نحوه رسیدگی") {
                        Picker("از رسیدگی چقدر راضی هستید؟", selection: $rating) {
                            Text("انتخاب کنید").tag(0)
                            ForEach(1...5, id: \.self) { r in Text(toPersianDigits(text: String(r))).tag(r) }
                        }
                        TextField("توضیح", text: $comment)
                        Toggle("برای مرکز رسیدگی به شکایات وزارت صمت فرستاده شود", isOn: $escalate)
                        Button("ثبت نظر") { Task { await model.feedback(trackingCode, rating: rating, comment: comment, escalate: escalate) } }
                            .disabled(rating == 0 || model.busy)
                    }
                }
            }
            .navigationTitle("جزئیات شکایت")
            .toolbar { Button("بازگشت") { model.screen = .list } }
        } else {
            ProgressView()
        }
    }
}

/// The day of the incident in the Solar Hijri calendar: day, month (by name) and year as
/// choices; the library turns it into the Gregorian date the form carries.
struct JalaliDatePicker: View {
    @Binding var day: JalaliDay?
    private let today = jalaliDay(atMs: Int64(Date().timeIntervalSince1970 * 1000))
    private let months = jalaliMonthNames()

    var body: some View {
        let chosen = day ?? today
        HStack {
            Picker("روز", selection: Binding(get: { Int(chosen.day) }, set: { day = JalaliDay(year: chosen.year, month: chosen.month, day: UInt8($0)) })) {
                ForEach(1...31, id: \.self) { Text(toPersianDigits(text: String($0))).tag($0) }
            }
            Picker("ماه", selection: Binding(get: { Int(chosen.month) }, set: { day = JalaliDay(year: chosen.year, month: UInt8($0), day: chosen.day) })) {
                ForEach(1...12, id: \.self) { Text(months[$0 - 1]).tag($0) }
            }
            Picker("سال", selection: Binding(get: { Int(chosen.year) }, set: { day = JalaliDay(year: Int32($0), month: chosen.month, day: chosen.day) })) {
                ForEach(Array((Int(today.year) - 2)...Int(today.year)).reversed(), id: \.self) { Text(toPersianDigits(text: String($0))).tag($0) }
            }
        }
        .pickerStyle(.menu)
        if let day, jalaliToIsoDate(day: day) == nil {
            Text("این روز در تقویم نیست.").foregroundStyle(.red).font(.vazir(.caption))
        }
        if day != nil { Button("پاک کردن") { day = nil } }
    }
}

/// A JPEG from the library's storage as a small square.
struct Thumbnail: View {
    let path: String
    var body: some View {
        Group {
            if let image = UIImage(contentsOfFile: path)?.preparingThumbnail(of: CGSize(width: 240, height: 240)) {
                Image(uiImage: image).resizable().scaledToFill()
            } else {
                Color.gray.opacity(0.2)
            }
        }
        .frame(width: 96, height: 96)
        .clipShape(RoundedRectangle(cornerRadius: 8))
        .accessibilityLabel("عکس پیوست")
    }
}

enum PhotoData {
    /// What the library reads (JPEG, PNG, WebP, GIF) as it is; anything else the photo library
    /// hands over (HEIC) as a full-quality JPEG. The library downscales and strips EXIF.
    static func acceptable(_ data: Data) -> Data {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF], png: [UInt8] = [0x89, 0x50, 0x4E, 0x47]
        let head = [UInt8](data.prefix(4))
        if head.starts(with: jpeg) || head.starts(with: png) { return data }
        return UIImage(data: data)?.jpegData(compressionQuality: 0.95) ?? data
    }
}

/// The camera at full resolution; the photo goes to the library as a JPEG.
struct CameraPicker: UIViewControllerRepresentable {
    let onPhoto: (Data) -> Void
    @Environment(\.dismiss) private var dismiss

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let parent: CameraPicker
        init(_ parent: CameraPicker) { self.parent = parent }

        func imagePickerController(_ picker: UIImagePickerController, didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
            if let image = info[.originalImage] as? UIImage, let data = image.jpegData(compressionQuality: 0.95) {
                parent.onPhoto(data)
            }
            parent.dismiss()
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            parent.dismiss()
        }
    }
}
