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
            "max",
            "email",
            "code",
            "minutes",
            "name",
            "count",
            "role",
            "open",
            "close",
            "zone",
            "page",
            "pages",
            "platform",
            "n",
            "item",
            "text",
            "days",
            "counted",
            "limit",
            "part",
            "account",
            "names",
            "when",
            "alt",
            "date",
            "value",
            "link",
            "canonical",
            "written",
            "time",
            "title",
            "comment",
            "preview",
            "hours",
            "target",
            "share",
            "band",
            "city",
            "day",
            "hour",
            "posts",
            "rate",
            "category",
            "per",
            "worst",
            "worstper",
            "weekday",
            "tag",
            "pct",
            "now",
            "before",
            "channels",
            "median",
            "month",
            "eng",
            "mean",
            "channel",
            "seconds",
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
        use siar_domain::channels::{ChannelStatus, Health, Platform};
        use siar_domain::publishing::{DeliveryState, ISSUE_KEYS, REASON_KEYS};
        needed.extend(Platform::ALL.iter().map(|p| p.name_key()));
        needed.extend(DeliveryState::ALL.iter().map(|s| s.label_key()));
        needed.extend(ISSUE_KEYS);
        needed.extend(REASON_KEYS);
        needed.extend(siar_domain::links::LINK_KEYS);
        {
            use siar_domain::inbox::*;
            needed.extend(ConvKind::ALL.iter().map(|k| k.key()));
            needed.extend(ConvState::ALL.iter().map(|k| k.key()));
            needed.extend(Priority::ALL.iter().map(|k| k.key()));
            needed.extend(INBOX_KEYS);
        }
        needed.extend(siar_domain::analytics::ANALYTICS_KEYS);
        needed.extend(siar_domain::patrons::PATRON_KEYS);
        needed.extend(siar_domain::programs::PROGRAM_KEYS);
        needed.extend(siar_domain::rewards::REWARD_KEYS);
        needed.extend(siar_domain::challenges::CHALLENGE_KEYS);
        needed.extend(siar_domain::forms::FORM_KEYS);
        needed.extend(siar_app::forms::FORM_APP_KEYS);
        for d in 0..7 {
            needed.push(
                [
                    "an-wd-0", "an-wd-1", "an-wd-2", "an-wd-3", "an-wd-4", "an-wd-5", "an-wd-6",
                ][d],
            );
        }
        needed.extend(["an-basis-reach", "an-basis-views", "an-basis-followers"]);
        needed.extend([
            "an-breakdown-age",
            "an-breakdown-gender",
            "an-breakdown-city",
        ]);
        needed.extend(["an-gender-female", "an-gender-male", "an-gender-other"]);
        needed.extend(["an-rank-engagements", "an-rank-rate", "an-rank-views"]);
        {
            use siar_domain::studio::*;
            needed.extend(STUDIO_KEYS);
            needed.extend(siar_domain::articles::ARTICLE_KEYS);
            needed.extend(PostStatus::ALL.iter().map(|s| s.label_key()));
            needed.extend(Category::ALL.iter().map(|c| c.label_key()));
            needed.extend(Audience::ALL.iter().map(|a| a.label_key()));
            needed.extend(PostEventKind::ALL.iter().map(|e| e.label_key()));
            needed.extend(CalState::ALL.iter().map(|e| e.label_key()));
            needed.extend([
                "note-submitted",
                "note-changes-requested",
                "note-approved",
                "note-overdue",
                "err-campaign-slug-taken",
                "err-unknown-campaign",
                "err-draft-in-review",
                "err-draft-scheduled",
                "err-draft-changed",
                "err-draft-not-submittable",
                "err-draft-not-in-review",
            ]);
        }
        needed.extend(
            siar_domain::days::DayKind::ALL
                .iter()
                .map(|k| k.label_key()),
        );
        needed.extend(
            siar_domain::links::Device::ALL
                .iter()
                .map(|d| d.label_key()),
        );
        let _ = ChannelStatus::ALL;
        for h in [
            Health::Connected,
            Health::ExpiresSoon(1),
            Health::NeedsReconnect,
            Health::Paused,
            Health::Disconnected,
        ] {
            needed.push(h.key());
        }
        for k in needed {
            assert!(ids.contains(k), "{k} has no translation");
        }
    }
}

/// Templates may not carry user-facing text of their own: every word comes from
/// the message files.
#[cfg(test)]
mod template_tests {
    fn strip(src: &str, open: &str, close: &str) -> String {
        let mut out = String::new();
        let mut rest = src;
        while let Some(i) = rest.find(open) {
            out.push_str(&rest[..i]);
            match rest[i..].find(close) {
                Some(j) => rest = &rest[i + j + close.len()..],
                None => return out,
            }
            out.push(' ');
        }
        out.push_str(rest);
        out
    }

    /// Literal text left in a template once template code and markup are removed,
    /// plus literal values of attributes people read.
    pub(super) fn hard_coded(src: &str) -> Vec<String> {
        let mut found = Vec::new();
        let code = strip(&strip(&strip(src, "{#", "#}"), "{%", "%}"), "{{", "}}");
        for attr in ["placeholder=\"", "title=\"", "aria-label=\"", "alt=\""] {
            for part in code.split(attr).skip(1) {
                let v = part.split('"').next().unwrap_or("");
                if v.chars().any(char::is_alphabetic) {
                    found.push(format!("{attr}{v}\""));
                }
            }
        }
        let text = strip(&code, "<", ">");
        for word in text.split_whitespace() {
            if word.chars().any(char::is_alphabetic) {
                found.push(word.to_string());
            }
        }
        found
    }

    #[test]
    fn templates_have_no_hard_coded_text() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            let bad = hard_coded(&src);
            assert!(
                bad.is_empty(),
                "{} has hard-coded text: {bad:?}",
                path.display()
            );
            n += 1;
        }
        assert!(n >= 10);
    }

    #[test]
    fn the_scan_catches_text() {
        assert_eq!(hard_coded("<p>Simpan</p>"), vec!["Simpan"]);
        assert_eq!(hard_coded("<input placeholder=\"Nama\">").len(), 1);
        assert!(hard_coded("<p>{{ c.t(\"x\") }} · {{ n }}</p>").is_empty());
    }
}
