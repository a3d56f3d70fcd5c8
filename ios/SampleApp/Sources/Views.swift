import PhotosUI
import Samat
import SwiftUI

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
            case .detail(let code): DetailView(trackingCode: code)
            }
        }
    }
}

private struct MessageView: View {
    @EnvironmentObject var model: AppModel
    var body: some View {
        if let message = model.message {
            Text(message).foregroundStyle(.red).font(.callout)
        }
    }
}

struct LoginView: View {
    @EnvironmentObject var model: AppModel
    @State private var phone = ""
    @State private var code = ""

    var body: some View {
        Form {
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
            if model.queued > 0 {
                Text("\(toPersianDigits(text: String(model.queued))) مورد در صف ارسال").font(.footnote)
            }
            MessageView()
            if model.complaints.isEmpty {
                Text("هنوز شکایتی ثبت نکرده‌اید.")
            }
            ForEach(model.complaints, id: \.trackingCode) { complaint in
                Button {
                    Task { await model.open(complaint.trackingCode) }
                } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(complaint.businessName ?? complaint.category?.labelFa() ?? "").font(.headline)
                        Text("کد رهگیری: \(toPersianDigits(text: complaint.trackingCode))").font(.subheadline)
                        Text(complaint.stage.labelFa()).font(.caption).padding(4).background(.thinMaterial, in: Capsule())
                        if let last = complaint.events.last {
                            Text(last.atJalali).font(.caption2).foregroundStyle(.secondary)
                        }
                    }
                }
            }
        }
        .navigationTitle("شکایت‌های من")
        .toolbar {
            Button("ثبت شکایت") { model.newComplaint() }
        }
        .refreshable { await model.reload() }
    }
}

struct NewComplaintView: View {
    @EnvironmentObject var model: AppModel
    @State private var category: String?
    @State private var description = ""
    @State private var compensation = false
    @State private var photo: PhotosPickerItem?

    var body: some View {
        if let draft = model.draft {
            Form {
                Section("واحد صنفی") {
                    Text(draft.fields.businessName ?? draft.fields.guildId.map { toPersianDigits(text: $0) } ?? "—")
                    if let scanned = model.scanned {
                        Text(scanned.verified ? "برچسب معتبر وزارت صمت" : "برچسب تأییدنشده؛ شناسه را بررسی کنید").font(.caption)
                    }
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
                    Toggle("درخواست جبران خسارت دارم", isOn: $compensation)
                }
                Section {
                    PhotosPicker(selection: $photo, matching: .images) { Text("افزودن عکس") }
                    Text("\(toPersianDigits(text: String(draft.photos.count))) عکس")
                }
                MessageView()
                Button("ارسال شکایت") {
                    var fields = draft.fields
                    fields.category = category
                    fields.description = description
                    fields.wantsCompensation = compensation
                    Task { await model.submit(fields) }
                }
                .disabled(model.busy)
            }
            .navigationTitle("ثبت شکایت")
            .onChange(of: photo) { item in
                Task {
                    if let data = try? await item?.loadTransferable(type: Data.self) {
                        await model.addPhoto(data)
                    }
                }
            }
        } else {
            ProgressView()
        }
    }
}

struct DetailView: View {
    @EnvironmentObject var model: AppModel
    let trackingCode: String

    var body: some View {
        if let complaint = model.complaints.first(where: { $0.trackingCode == trackingCode }) {
            List {
                Section {
                    Text("کد رهگیری: \(toPersianDigits(text: trackingCode))").font(.headline)
                    Text(complaint.stage.labelFa()).foregroundStyle(.tint)
                    if let detail = complaint.detail {
                        Text(detail.category.labelFa())
                        Text(detail.description)
                        Text(detail.createdAtJalali).font(.caption)
                    }
                }
                Section("روند رسیدگی") {
                    ForEach(complaint.events, id: \.seq) { event in
                        VStack(alignment: .leading) {
                            Text(event.stage.labelFa())
                            Text("\(event.atJalali) · \(event.actorLabelFa)").font(.caption).foregroundStyle(.secondary)
                            if let note = event.note { Text(note).font(.callout) }
                        }
                    }
                }
                MessageView()
            }
            .navigationTitle("جزئیات شکایت")
            .toolbar { Button("بازگشت") { model.screen = .list } }
        } else {
            ProgressView()
        }
    }
}
