//! The wire names of the model's plain enums, said once. Each derives strum's `IntoStaticStr`
//! (its name), `EnumString` (reading a name back) and `VariantArray` (every variant, in
//! declaration order), spelled as its serde renames; [`wire_names!`] gives it `ALL`,
//! `wire_name` and `from_wire` on top of those. The test below checks, for every such enum and
//! variant, that strum's name is the JSON string serde writes and that both read it back.

/// Every variant of an enum as an array: strum's `VARIANTS`, in declaration order. Evaluated
/// at compile time; `N` other than the number of variants does not compile.
pub(crate) const fn every<T: Copy, const N: usize>(variants: &[T]) -> [T; N] {
    match variants.first_chunk::<N>() {
        Some(all) if variants.len() == N => *all,
        _ => panic!("the array's length is not the number of variants"),
    }
}

/// `ALL`, `wire_name` and `from_wire` for a plain enum deriving strum's `IntoStaticStr`,
/// `EnumString` and `VariantArray` (spelled as its serde renames), with the doc of its `ALL`:
/// `wire_names!(Stage, "Every stage, in workflow order.");`.
macro_rules! wire_names {
    ($ty:ident, $all:literal) => {
        impl $ty {
            #[doc = $all]
            pub const ALL: [$ty; <$ty as ::strum::VariantArray>::VARIANTS.len()] = $crate::model::names::every(<$ty as ::strum::VariantArray>::VARIANTS);

            /// The wire (and stored) name: what the JSON, the database and the URLs say.
            pub fn wire_name(self) -> &'static str {
                self.into()
            }

            /// The variant a wire name names; `None` for anything else (names are
            /// case-sensitive).
            pub fn from_wire(name: &str) -> Option<Self> {
                name.parse().ok()
            }
        }
    };
}
pub(crate) use wire_names;

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::str::FromStr;

    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use strum::VariantArray;

    use crate::model::api::{EventKind, LicenceStatus, PushKind};
    use crate::model::guild::Unverified;
    use crate::model::journey::NextStep;
    use crate::model::stats::Outcome;
    use crate::model::{Category, Channel, Province, Role, Stage};

    /// For every variant of `T`: strum's name is the JSON string serde writes, and both strum
    /// and serde read it back.
    fn names_agree<T>()
    where
        T: VariantArray + Copy + Debug + PartialEq + Serialize + DeserializeOwned + FromStr + Into<&'static str>,
    {
        let ty = std::any::type_name::<T>();
        assert!(!T::VARIANTS.is_empty(), "{ty}");
        for &variant in T::VARIANTS {
            let name: &'static str = variant.into();
            assert_eq!(serde_json::to_value(variant).unwrap(), serde_json::Value::from(name), "{ty}::{variant:?}");
            assert_eq!(name.parse::<T>().ok(), Some(variant), "{ty}: {name:?}");
            assert_eq!(serde_json::from_value::<T>(name.into()).unwrap(), variant, "{ty}: {name:?}");
        }
    }

    #[test]
    fn strum_names_are_serde_names() {
        let enums: &[fn()] = &[
            names_agree::<Stage>,
            names_agree::<Role>,
            names_agree::<Channel>,
            names_agree::<Category>,
            names_agree::<Province>,
            names_agree::<EventKind>,
            names_agree::<LicenceStatus>,
            names_agree::<PushKind>,
            names_agree::<NextStep>,
            names_agree::<Outcome>,
            names_agree::<Unverified>,
        ];
        for check in enums {
            check();
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        assert_eq!(Stage::from_wire("Received"), None, "names are case-sensitive");
        assert_eq!(Category::from_wire("bribery"), None);
        assert_eq!(Role::from_wire("citizen"), None);
        assert_eq!(Province::from_wire("IR-23"), None, "an ISO code is read by from_text, not as a wire name");
        assert_eq!(PushKind::from_wire(""), None);
    }
}
