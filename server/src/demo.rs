//! `--demo`: a few businesses and one staff account per role (username = role name), so the
//! server can be tried at once. Running it again changes nothing.

use samat_core::model::Role;
use time::OffsetDateTime;

use crate::passwords;
use crate::store::{BusinessRecord, Store, StoreError};

/// Demo businesses: (guild id, name, guild, province, city, address).
pub const BUSINESSES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("10010010011", "سوپرمارکت نمونه", "اتحادیه خواربار و لبنیات", "تهران", "تهران", "خیابان انقلاب، پلاک ۱۲"),
    ("10010010012", "لوازم خانگی امید", "اتحادیه لوازم خانگی", "تهران", "تهران", "خیابان جمهوری، پلاک ۴۵"),
    ("20020020021", "نانوایی سنگک برکت", "اتحادیه نانوایان", "اصفهان", "اصفهان", "خیابان چهارباغ، پلاک ۷"),
    ("30030030031", "داروخانه شفا", "اتحادیه داروخانه‌ها", "خراسان رضوی", "مشهد", "بلوار وکیل‌آباد، پلاک ۲۰"),
    ("40040040041", "فروشگاه موبایل پارس", "اتحادیه فروشندگان تلفن همراه", "فارس", "شیراز", "خیابان زند، پاساژ مرکزی"),
];

/// Seeds the demo data; existing accounts keep their passwords.
pub async fn seed(store: &dyn Store, password: &str) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    for (guild_id, name, guild, province, city, address) in BUSINESSES {
        store
            .upsert_business(
                BusinessRecord {
                    guild_id: (*guild_id).into(),
                    name: (*name).into(),
                    guild: Some((*guild).into()),
                    province: Some((*province).into()),
                    city: Some((*city).into()),
                    address: Some((*address).into()),
                },
                now,
            )
            .await?;
    }
    for role in Role::ALL {
        if store.find_staff(role.wire_name()).await?.is_some() {
            continue;
        }
        let hash = passwords::hash(password)?;
        match store.add_staff(role.wire_name(), &hash, role).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
