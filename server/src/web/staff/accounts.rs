//! Staff accounts, for supervisors: create them, set role and province, disable them, reset a
//! password. A provincial supervisor manages the accounts of their own province.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use samat_core::model::text::normalize_text;
use samat_core::model::workflow;
use samat_core::model::{Province, Role};
use serde::Deserialize;

use super::auth::password_problem;
use super::StaffSession;
use crate::error::ApiError;
use crate::passwords;
use crate::state::AppState;
use crate::store::{NewStaff, StaffRecord, StaffUpdate, StoreError};
use crate::web::form::Opt;
use crate::web::form::{Problems, WebForm};
use crate::web::format;
use crate::web::page::{render, Flash, Layout};

struct AccountRow {
    id: i64,
    username: String,
    name: String,
    role: &'static str,
    province: &'static str,
    active: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    layout: Layout,
    rows: Vec<AccountRow>,
    f: NewAccountForm,
    roles: Vec<Opt>,
    provinces: Vec<Opt>,
    national: bool,
    problems: Problems,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewAccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    password: String,
}

fn role_options(chosen: Option<Role>) -> Vec<Opt> {
    Role::ALL.iter().map(|&r| Opt { value: r.wire_name().into(), label: r.label_fa().into(), selected: Some(r) == chosen }).collect()
}

fn province_options(chosen: Option<Province>, only: Option<Province>) -> Vec<Opt> {
    Province::ALL
        .iter()
        .filter(|&&p| only.is_none_or(|o| o == p))
        .map(|&p| Opt { value: p.wire_name().into(), label: p.label_fa().into(), selected: Some(p) == chosen })
        .collect()
}

/// Whether supervisor `staff` manages `account`: a national supervisor every account, a
/// provincial one those of their province.
fn manages(staff: &StaffSession, account: &StaffRecord) -> bool {
    staff.province.is_none() || account.province == staff.province
}

async fn accounts_page(state: &AppState, staff: &StaffSession, f: NewAccountForm, problems: Problems, flash: Option<Flash>) -> Result<AccountsPage, ApiError> {
    let all = state.store.list_staff().await?;
    let rows = all
        .iter()
        .filter(|a| manages(staff, a))
        .map(|a| AccountRow {
            id: a.id,
            username: a.username.clone(),
            name: a.display_name.clone().unwrap_or_default(),
            role: a.role.label_fa(),
            province: a.province.map_or("ستاد (همه استان‌ها)", Province::label_fa),
            active: a.active,
            created: format::when(a.created_at),
        })
        .collect();
    Ok(AccountsPage {
        layout: staff.layout("کاربران", "/staff/accounts").with_flash(flash),
        rows,
        roles: role_options(Role::from_wire(&f.role)),
        provinces: province_options(Province::from_wire(&f.province).or(staff.province), staff.province),
        national: staff.province.is_none(),
        f,
        problems,
    })
}

#[derive(Deserialize, Default)]
pub(super) struct FlashQuery {
    #[serde(default)]
    done: String,
}

fn flash_of(done: &str) -> Option<Flash> {
    let text = match done {
        "created" => "حساب کاربری ساخته شد.",
        "updated" => "حساب کاربری به‌روز شد.",
        "password" => "گذرواژه تازه ثبت شد و ورودهای پیشین این کاربر پایان یافت.",
        _ => return None,
    };
    Some(Flash { kind: "ok", text: text.to_owned() })
}

fn supervisors_only(staff: &StaffSession) -> Option<Response> {
    (!workflow::may_manage_staff(staff.role)).then(|| staff.error(&ApiError::forbidden("role_not_allowed", "supervisors only"), "/staff/queue"))
}

/// `GET /staff/accounts`.
pub(super) async fn list(State(state): State<AppState>, staff: StaffSession, Query(q): Query<FlashQuery>) -> Response {
    if let Some(r) = supervisors_only(&staff) {
        return r;
    }
    match accounts_page(&state, &staff, NewAccountForm::default(), Problems::none(), flash_of(&q.done)).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => staff.error(&e, "/staff/queue"),
    }
}

/// Reads a username as the CLI does: lower case, letters, digits, `.`, `_`, `-`.
pub fn username_problem(username: &str) -> Option<&'static str> {
    if username.is_empty() {
        return Some("نام کاربری را بنویسید.");
    }
    if username.len() > 64 || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return Some("نام کاربری فقط حروف لاتین، رقم، «.»، «_» و «-» است.");
    }
    None
}

/// `POST /staff/accounts`: a new account.
pub(super) async fn create(State(state): State<AppState>, staff: StaffSession, WebForm(f): WebForm<NewAccountForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if let Some(r) = supervisors_only(&staff) {
        return r;
    }
    let mut problems = Problems::none();
    let username = f.username.trim().to_lowercase();
    if let Some(p) = username_problem(&username) {
        problems.add("username", p);
    }
    let role = Role::from_wire(f.role.trim());
    if role.is_none() {
        problems.add("role", "نقش را انتخاب کنید.");
    }
    // A provincial supervisor creates accounts of their own province only.
    let province = staff.province.or_else(|| Province::from_wire(f.province.trim()));
    if let Some(p) = password_problem(&f.password) {
        problems.add("password", p);
    }
    let (Some(role), false) = (role, problems.any()) else {
        return match accounts_page(&state, &staff, f, problems, None).await {
            Ok(p) => render(StatusCode::UNPROCESSABLE_ENTITY, &p),
            Err(e) => staff.error(&e, "/staff/accounts"),
        };
    };
    let hash = match passwords::hash(&f.password) {
        Ok(h) => h,
        Err(e) => return staff.error(&ApiError::internal(e), "/staff/accounts"),
    };
    let name = Some(normalize_text(&f.name)).filter(|n| !n.is_empty());
    match state.store.add_staff(NewStaff { username, display_name: name, password_hash: hash, role, province }).await {
        Ok(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/staff/accounts?done=created")]).into_response(),
        Err(StoreError::Conflict(_)) => {
            let mut problems = Problems::none();
            problems.add("username", "این نام کاربری پیش‌تر گرفته شده است.");
            match accounts_page(&state, &staff, f, problems, None).await {
                Ok(p) => render(StatusCode::CONFLICT, &p),
                Err(e) => staff.error(&e, "/staff/accounts"),
            }
        }
        Err(e) => staff.error(&e.into(), "/staff/accounts"),
    }
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountPage {
    layout: Layout,
    id: i64,
    username: String,
    name: String,
    active: bool,
    roles: Vec<Opt>,
    provinces: Vec<Opt>,
    national: bool,
    problems: Problems,
    is_me: bool,
}

async fn load_account(state: &AppState, staff: &StaffSession, raw: &str) -> Result<StaffRecord, Response> {
    let found = match raw.trim().parse::<i64>() {
        Ok(id) => state.store.staff_by_id(id).await.map_err(|e| staff.error(&e.into(), "/staff/accounts"))?,
        Err(_) => None,
    };
    found.filter(|a| manages(staff, a)).ok_or_else(|| staff.error(&ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such account"), "/staff/accounts"))
}

fn account_page(staff: &StaffSession, a: &StaffRecord, problems: Problems) -> AccountPage {
    AccountPage {
        layout: staff.layout(&format!("کاربر {}", a.username), "/staff/accounts").narrow(),
        id: a.id,
        username: a.username.clone(),
        name: a.display_name.clone().unwrap_or_default(),
        active: a.active,
        roles: role_options(Some(a.role)),
        provinces: province_options(a.province, staff.province),
        national: staff.province.is_none(),
        problems,
        is_me: a.id == staff.id,
    }
}

/// `GET /staff/accounts/{id}`.
pub(super) async fn edit_page(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>) -> Response {
    if let Some(r) = supervisors_only(&staff) {
        return r;
    }
    match load_account(&state, &staff, &raw).await {
        Ok(a) => render(StatusCode::OK, &account_page(&staff, &a, Problems::none())),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UpdateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    active: String,
}

/// `POST /staff/accounts/{id}`: role, province, name, enabled.
pub(super) async fn update(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<UpdateForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if let Some(r) = supervisors_only(&staff) {
        return r;
    }
    let a = match load_account(&state, &staff, &raw).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut problems = Problems::none();
    let Some(role) = Role::from_wire(f.role.trim()) else {
        problems.add("role", "نقش را انتخاب کنید.");
        return render(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&staff, &a, problems));
    };
    let active = matches!(f.active.as_str(), "yes" | "on" | "true");
    if a.id == staff.id && (!active || role != Role::Supervisor) {
        problems.add("role", "نقش یا فعال‌بودن حساب خودتان را نمی‌توانید تغییر دهید؛ از سرپرست دیگری بخواهید.");
        return render(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&staff, &a, problems));
    }
    let province = staff.province.or_else(|| Province::from_wire(f.province.trim()));
    let update = StaffUpdate { role, province, active, display_name: Some(normalize_text(&f.name)).filter(|n| !n.is_empty()) };
    match state.store.update_staff(a.id, update).await {
        Ok(_) => {
            state.sessions.forget_staff(a.id);
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/staff/accounts?done=updated")]).into_response()
        }
        Err(e) => staff.error(&e.into(), "/staff/accounts"),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// `POST /staff/accounts/{id}/password`: a new password the supervisor gives the person; their
/// sessions end.
pub(super) async fn reset_password(State(state): State<AppState>, staff: StaffSession, Path(raw): Path<String>, WebForm(f): WebForm<ResetForm>) -> Response {
    if let Err(r) = staff.check_csrf(&f.csrf) {
        return r;
    }
    if let Some(r) = supervisors_only(&staff) {
        return r;
    }
    let a = match load_account(&state, &staff, &raw).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Some(p) = password_problem(&f.password) {
        let mut problems = Problems::none();
        problems.add("password", p);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &account_page(&staff, &a, problems));
    }
    let result = match passwords::hash(&f.password) {
        Ok(hash) => state.store.set_staff_password(a.id, &hash, None).await.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(e)),
    };
    match result {
        Ok(_) => {
            state.sessions.forget_staff(a.id);
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/staff/accounts?done=password")]).into_response()
        }
        Err(e) => staff.error(&e, "/staff/accounts"),
    }
}
