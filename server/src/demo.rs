//! `--demo`: a few businesses and one staff account per role (username = role name), plus two
//! provincial experts, so the server can be tried at once. Running it again changes nothing.

use samat_core::model::api::LicenceStatus;
use samat_core::model::{Province, Role};
use time::OffsetDateTime;

use crate::passwords;
use crate::store::{BusinessRecord, NewStaff, Store, StoreError};

/// A demo business: (guild id, name, guild, licence number, licence status, province, city,
/// address).
pub type DemoBusiness = (&'static str, &'static str, &'static str, &'static str, LicenceStatus, &'static str, &'static str, &'static str);

/// Demo businesses.
pub const BUSINESSES: &[DemoBusiness] = &[
    ("10010010011", "سوپرمارکت نمونه", "اتحادیه خواربار و لبنیات", "1401-23-004512", LicenceStatus::Active, "تهران", "تهران", "خیابان انقلاب، پلاک ۱۲"),
    ("10010010012", "لوازم خانگی امید", "اتحادیه لوازم خانگی", "1399-23-017730", LicenceStatus::Active, "تهران", "تهران", "خیابان جمهوری، پلاک ۴۵"),
    ("20020020021", "نانوایی سنگک برکت", "اتحادیه نانوایان", "1398-10-002201", LicenceStatus::Expired, "اصفهان", "اصفهان", "خیابان چهارباغ، پلاک ۷"),
    ("30030030031", "داروخانه شفا", "اتحادیه داروخانه‌ها", "1402-51-000318", LicenceStatus::Active, "خراسان رضوی", "مشهد", "بلوار وکیل‌آباد، پلاک ۲۰"),
    (
        "40040040041",
        "فروشگاه موبایل پارس",
        "اتحادیه فروشندگان تلفن همراه",
        "1400-71-009954",
        LicenceStatus::Suspended,
        "فارس",
        "شیراز",
        "خیابان زند، پاساژ مرکزی",
    ),
];

/// The demo staff accounts: one national account per role (username = role name) and two
/// provincial experts, to see what a province's staff see.
pub const ACCOUNTS: &[(&str, &str, Role, Option<Province>)] = &[
    ("operator", "زهرا کریمی", Role::Operator, None),
    ("expert", "علی رضایی", Role::Expert, None),
    ("guild", "اتحادیه صنف (نمونه)", Role::Guild, None),
    ("inspector", "حسین موسوی", Role::Inspector, None),
    ("taazirat", "مریم حسینی", Role::Taazirat, None),
    ("supervisor", "فاطمه محمدی", Role::Supervisor, None),
    ("expert-tehran", "رضا احمدی", Role::Expert, Some(Province::Tehran)),
    ("expert-isfahan", "سارا نوری", Role::Expert, Some(Province::Isfahan)),
];

/// Seeds the demo data; existing accounts keep their passwords, businesses are rewritten only
/// where they differ.
pub async fn seed(store: &dyn Store, password: &str) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    for (guild_id, name, guild, licence_no, status, province, city, address) in BUSINESSES {
        store
            .upsert_business(
                BusinessRecord {
                    guild_id: (*guild_id).into(),
                    name: (*name).into(),
                    guild: Some((*guild).into()),
                    licence_no: Some((*licence_no).into()),
                    licence_status: Some(*status),
                    province: Some((*province).into()),
                    city: Some((*city).into()),
                    address: Some((*address).into()),
                },
                now,
            )
            .await?;
    }
    for (username, name, role, province) in ACCOUNTS {
        if store.find_staff(username).await?.is_some() {
            continue;
        }
        let staff = NewStaff {
            username: (*username).to_owned(),
            display_name: Some((*name).to_owned()),
            password_hash: passwords::hash(password)?,
            role: *role,
            province: *province,
        };
        match store.add_staff(staff).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
