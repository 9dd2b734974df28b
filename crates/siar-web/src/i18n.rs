//! Translations (Fluent). Indonesian is the default and the fallback.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use siar_domain::org::Lang;
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "id",
        // Numbers are interpolated as plain text; Unicode isolation marks would end
        // up inside attributes and CSV.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

fn langid(lang: Lang) -> LanguageIdentifier {
    match lang {
        Lang::Id => unic_langid::langid!("id"),
        Lang::En => unic_langid::langid!("en"),
    }
}

/// The message `key` in `lang`. A missing key shows as the key itself (and a test
/// makes sure none is missing).
pub fn t(lang: Lang, key: &str) -> String {
    LOCALES
        .try_lookup(&langid(lang), key)
        .unwrap_or_else(|| key.to_string())
}

/// The message `key` with variables.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_string()), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(&langid(lang), key, &map)
        .unwrap_or_else(|| key.to_string())
}

/// The message keys defined in one language's files (for the parity test).
pub fn keys_in(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" = "))
        .filter_map(|l| l.split(" = ").next())
        .map(|k| k.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const ID: &str = include_str!("../locales/id/main.ftl");
    const EN: &str = include_str!("../locales/en/main.ftl");

    #[test]
    fn both_languages_have_the_same_keys() {
        let id: BTreeSet<_> = keys_in(ID).into_iter().collect();
        let en: BTreeSet<_> = keys_in(EN).into_iter().collect();
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(only_id.is_empty(), "keys only in Indonesian: {only_id:?}");
        assert!(only_en.is_empty(), "keys only in English: {only_en:?}");
        assert!(id.len() > 100);
    }

    #[test]
    fn every_key_resolves_in_both() {
        let vars: Vec<(&str, String)> = [
            "max", "minutes", "name", "count", "role", "open", "close", "zone", "page", "pages",
        ]
        .into_iter()
        .map(|v| (v, "1".to_string()))
        .collect();
        for key in keys_in(ID) {
            for lang in Lang::ALL {
                assert_ne!(t_args(lang, &key, &vars), key, "{key} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn variables_are_filled() {
        assert_eq!(
            t_args(Lang::Id, "err-too-long", &[("max", "10".into())]),
            "Terlalu panjang: paling banyak 10 karakter."
        );
        assert_eq!(t(Lang::En, "nav-home"), "Home");
        assert_eq!(t(Lang::Id, "nav-home"), "Beranda");
    }

    #[test]
    fn every_domain_key_is_translated() {
        use siar_domain::audit::AuditAction;
        use siar_domain::jobs::JobState;
        use siar_domain::org::{OpeningHours, Role};
        let ids: BTreeSet<_> = keys_in(ID).into_iter().collect();
        let mut needed: Vec<&str> = Role::ALL.iter().map(|r| r.label_key()).collect();
        needed.extend(JobState::ALL.iter().map(|s| s.label_key()));
        needed.extend(AuditAction::ALL.iter().map(|a| a.label_key()));
        needed.extend(OpeningHours::DAY_KEYS);
        for k in needed {
            assert!(ids.contains(k), "{k} has no translation");
        }
    }
}
