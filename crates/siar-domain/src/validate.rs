//! Field validation that speaks in message keys, never in one language.

use serde::Serialize;

/// One problem with one field. `key` is an i18n message id (e.g. `err-required`);
/// `max` fills the `$max` variable of messages that need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
    pub max: Option<usize>,
}

impl FieldError {
    pub fn new(field: &'static str, key: &'static str) -> Self {
        Self {
            field,
            key,
            max: None,
        }
    }
}

/// Every problem found in one submitted form. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn push(&mut self, field: &'static str, key: &'static str) {
        self.0.push(FieldError::new(field, key));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// Checks a required, trimmed text field with a maximum length in characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) {
        let v = value.trim();
        if v.is_empty() {
            self.push(field, "err-required");
        } else if v.chars().count() > max {
            self.0.push(FieldError {
                field,
                key: "err-too-long",
                max: Some(max),
            });
        }
    }

    /// Checks an e-mail address: required, at most 254 characters, one `@` with a
    /// non-empty local part and a dotted domain, no spaces.
    pub fn email(&mut self, field: &'static str, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            self.push(field, "err-required");
            return;
        }
        if v.chars().count() > 254 {
            self.0.push(FieldError {
                field,
                key: "err-too-long",
                max: Some(254),
            });
            return;
        }
        if !is_plausible_email(v) {
            self.push(field, "err-email");
        }
    }

    pub fn into_result(self) -> Result<(), Problems> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

pub fn is_plausible_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Lower-cases and trims an e-mail address for storage and look-up.
pub fn normalise_email(v: &str) -> String {
    v.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let mut p = Problems::default();
        p.text("name", "   ", 10);
        p.text("title", "abcdefghijk", 10);
        p.text("ok", "Perpustakaan", 20);
        assert_eq!(p.0.len(), 2);
        assert_eq!(p.for_field("name").unwrap().key, "err-required");
        assert_eq!(p.for_field("title").unwrap().max, Some(10));
    }

    #[test]
    fn email_rules() {
        for bad in [
            "", "a", "a@b", "@b.id", "a b@c.id", "a@b@c.id", "a@.id", "a@b.",
        ] {
            let mut p = Problems::default();
            p.email("email", bad);
            assert!(!p.is_empty(), "{bad} should be refused");
        }
        let mut p = Problems::default();
        p.email("email", " Admin@Perpustakaan.example ");
        assert!(p.is_empty());
        assert_eq!(
            normalise_email(" Admin@Perpustakaan.example "),
            "admin@perpustakaan.example"
        );
        let mut p = Problems::default();
        p.email("email", &format!("{}@x.id", "a".repeat(260)));
        assert_eq!(p.0[0].key, "err-too-long");
    }
}
