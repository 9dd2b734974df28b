//! Configuration: defaults → `siar.toml` → `SIAR_*` environment variables → flags.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use siar_app::DbUrl;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What `siar.toml` may hold (every key optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub secret_key: Option<String>,
    pub secure_cookies: Option<bool>,
    pub portal_org: Option<String>,
    pub session_idle_hours: Option<u64>,
    pub audit_retention_days: Option<u64>,
    pub log: Option<String>,
    pub public_url: Option<String>,
    pub x_client_id: Option<String>,
    pub x_client_secret: Option<String>,
    pub facebook_app_id: Option<String>,
    pub facebook_app_secret: Option<String>,
    pub google_client_id: Option<String>,
    pub google_client_secret: Option<String>,
    pub youtube_privacy: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub meta_verify_token: Option<String>,
    pub x_consumer_secret: Option<String>,
    pub raw_event_days: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub database_url: Option<String>,
    pub secret_key: Option<String>,
    pub secure_cookies: bool,
    pub portal_org: Option<String>,
    pub session_idle_hours: u64,
    pub audit_retention_days: u64,
    pub log: String,
    /// Where people and platforms reach Siar (OAuth callbacks, signed media
    /// URLs). Default: `http://` + the listen address.
    pub public_url: Option<String>,
    /// The X app's OAuth 2.0 client (from the X developer console).
    pub x_client_id: Option<String>,
    pub x_client_secret: Option<String>,
    /// The Facebook Login app (Pages and Instagram).
    pub facebook_app_id: Option<String>,
    pub facebook_app_secret: Option<String>,
    /// The Google OAuth client with the YouTube Data API enabled.
    pub google_client_id: Option<String>,
    pub google_client_secret: Option<String>,
    /// `public` (default) or `private` (Google's rule for unaudited projects).
    pub youtube_privacy: Option<String>,
    /// SMTP server for e-mail: `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`. Unset: no e-mail is sent.
    pub smtp_url: Option<String>,
    /// The sender of Siar's e-mail, e.g. `Siar <siar@perpustakaan.go.id>`.
    pub mail_from: Option<String>,
    /// The token Meta's webhook subscription sends (`hub.verify_token`).
    pub meta_verify_token: Option<String>,
    /// X's consumer (API) secret: the key of its webhook CRC and signatures.
    pub x_consumer_secret: Option<String>,
    /// Raw webhook events are kept this many days after they are filed.
    pub raw_event_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            secret_key: None,
            secure_cookies: false,
            portal_org: None,
            session_idle_hours: 12,
            audit_retention_days: 365,
            log: "info,sqlx=warn".into(),
            public_url: None,
            x_client_id: None,
            x_client_secret: None,
            facebook_app_id: None,
            facebook_app_secret: None,
            google_client_id: None,
            google_client_secret: None,
            youtube_privacy: None,
            smtp_url: None,
            mail_from: None,
            meta_verify_token: None,
            x_consumer_secret: None,
            raw_event_days: 30,
        }
    }
}

/// Flags that override everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
}

fn parse_listen(v: &str, from: &str) -> Result<SocketAddr> {
    v.parse().with_context(|| {
        format!("{from} = `{v}` is not an address: write it as IP:PORT, for example 127.0.0.1:8080")
    })
}

fn parse_bool(v: &str, name: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => bail!("{name} = `{v}` is not true or false"),
    }
}

fn parse_num(v: &str, name: &str) -> Result<u64> {
    v.trim()
        .parse()
        .with_context(|| format!("{name} = `{v}` is not a whole number"))
}

impl Config {
    /// Builds the configuration from every layer. `env` is the process environment
    /// (passed in so tests can give their own).
    pub fn load(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let mut c = Config::default();
        let (path, explicit) = match &o.config_file {
            Some(p) => (p.clone(), true),
            None => (PathBuf::from("siar.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let f: FileConfig = toml::from_str(&text).with_context(|| {
                    format!("the config file {} is not valid TOML for Siar (fix the line named below, or remove the file)", path.display())
                })?;
                c.apply_file(f)?;
            }
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!(
                "cannot read the config file {}: {e} (check the path given to --config and its permissions)",
                path.display()
            ),
        }
        if let Some(v) = env("SIAR_DATA_DIR") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("SIAR_LISTEN") {
            c.listen = parse_listen(&v, "SIAR_LISTEN")?;
        }
        if let Some(v) = env("DATABASE_URL").filter(|v| !v.trim().is_empty()) {
            c.database_url = Some(v);
        }
        if let Some(v) = env("SIAR_SECRET_KEY").filter(|v| !v.trim().is_empty()) {
            c.secret_key = Some(v);
        }
        if let Some(v) = env("SIAR_SECURE_COOKIES") {
            c.secure_cookies = parse_bool(&v, "SIAR_SECURE_COOKIES")?;
        }
        if let Some(v) = env("SIAR_PORTAL_ORG").filter(|v| !v.is_empty()) {
            c.portal_org = Some(v);
        }
        if let Some(v) = env("SIAR_SESSION_IDLE_HOURS") {
            c.session_idle_hours = parse_num(&v, "SIAR_SESSION_IDLE_HOURS")?;
        }
        if let Some(v) = env("SIAR_AUDIT_RETENTION_DAYS") {
            c.audit_retention_days = parse_num(&v, "SIAR_AUDIT_RETENTION_DAYS")?;
        }
        if let Some(v) = env("SIAR_LOG") {
            c.log = v;
        }
        if let Some(v) = env("SIAR_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
            c.public_url = Some(v);
        }
        if let Some(v) = env("SIAR_X_CLIENT_ID").filter(|v| !v.trim().is_empty()) {
            c.x_client_id = Some(v);
        }
        if let Some(v) = env("SIAR_X_CLIENT_SECRET").filter(|v| !v.trim().is_empty()) {
            c.x_client_secret = Some(v);
        }
        if let Some(v) = env("SIAR_FACEBOOK_APP_ID").filter(|v| !v.trim().is_empty()) {
            c.facebook_app_id = Some(v);
        }
        if let Some(v) = env("SIAR_FACEBOOK_APP_SECRET").filter(|v| !v.trim().is_empty()) {
            c.facebook_app_secret = Some(v);
        }
        if let Some(v) = env("SIAR_GOOGLE_CLIENT_ID").filter(|v| !v.trim().is_empty()) {
            c.google_client_id = Some(v);
        }
        if let Some(v) = env("SIAR_GOOGLE_CLIENT_SECRET").filter(|v| !v.trim().is_empty()) {
            c.google_client_secret = Some(v);
        }
        if let Some(v) = env("SIAR_YOUTUBE_PRIVACY").filter(|v| !v.trim().is_empty()) {
            c.youtube_privacy = Some(v);
        }
        if let Some(v) = env("SIAR_SMTP_URL").filter(|v| !v.trim().is_empty()) {
            c.smtp_url = Some(v);
        }
        if let Some(v) = env("SIAR_MAIL_FROM").filter(|v| !v.trim().is_empty()) {
            c.mail_from = Some(v);
        }
        if let Some(v) = env("SIAR_META_VERIFY_TOKEN").filter(|v| !v.trim().is_empty()) {
            c.meta_verify_token = Some(v);
        }
        if let Some(v) = env("SIAR_X_CONSUMER_SECRET").filter(|v| !v.trim().is_empty()) {
            c.x_consumer_secret = Some(v);
        }
        if let Some(v) = env("SIAR_RAW_EVENT_DAYS").filter(|v| !v.trim().is_empty()) {
            c.raw_event_days = v.trim().parse().map_err(|_| {
                anyhow::anyhow!("SIAR_RAW_EVENT_DAYS must be a whole number of days, got `{v}`")
            })?;
        }

        if let Some(d) = &o.data_dir {
            c.data_dir = d.clone();
        }
        if let Some(l) = &o.listen {
            c.listen = parse_listen(l, "--listen")?;
        }
        if let Some(u) = &c.public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            bail!(
                "public_url must start with https:// or http:// (for example https://siar.perpustakaan.go.id)"
            );
        }
        if let Some(p) = &c.youtube_privacy
            && !matches!(p.as_str(), "public" | "private" | "unlisted")
        {
            bail!("youtube_privacy must be public, private or unlisted");
        }
        if let Some(m) = c.mail()
            && let Err(e) = siar_app::mail::check(&m)
        {
            bail!(
                "{e} (set smtp_url like smtps://user:password@mail.example.org:465 and mail_from like Siar <siar@example.org>)"
            );
        }
        if c.smtp_url.is_some() && c.mail_from.is_none() {
            bail!(
                "smtp_url is set but mail_from is not: set the sender address, e.g. mail_from = \"Siar <siar@perpustakaan.go.id>\""
            );
        }
        if c.session_idle_hours == 0 || c.audit_retention_days == 0 {
            bail!("session_idle_hours and audit_retention_days must be at least 1");
        }
        Ok(c)
    }

    fn apply_file(&mut self, f: FileConfig) -> Result<()> {
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.listen {
            self.listen = parse_listen(&v, "listen (in siar.toml)")?;
        }
        self.database_url = f.database_url.or(self.database_url.take());
        self.secret_key = f.secret_key.or(self.secret_key.take());
        if let Some(v) = f.secure_cookies {
            self.secure_cookies = v;
        }
        self.portal_org = f.portal_org.or(self.portal_org.take());
        if let Some(v) = f.session_idle_hours {
            self.session_idle_hours = v;
        }
        if let Some(v) = f.audit_retention_days {
            self.audit_retention_days = v;
        }
        if let Some(v) = f.log {
            self.log = v;
        }
        self.public_url = f.public_url.or(self.public_url.take());
        self.x_client_id = f.x_client_id.or(self.x_client_id.take());
        self.x_client_secret = f.x_client_secret.or(self.x_client_secret.take());
        self.facebook_app_id = f.facebook_app_id.or(self.facebook_app_id.take());
        self.facebook_app_secret = f.facebook_app_secret.or(self.facebook_app_secret.take());
        self.google_client_id = f.google_client_id.or(self.google_client_id.take());
        self.google_client_secret = f.google_client_secret.or(self.google_client_secret.take());
        self.youtube_privacy = f.youtube_privacy.or(self.youtube_privacy.take());
        self.smtp_url = f.smtp_url.or(self.smtp_url.take());
        self.mail_from = f.mail_from.or(self.mail_from.take());
        self.meta_verify_token = f.meta_verify_token.or(self.meta_verify_token.take());
        self.x_consumer_secret = f.x_consumer_secret.or(self.x_consumer_secret.take());
        if let Some(d) = f.raw_event_days {
            self.raw_event_days = d;
        }

        Ok(())
    }

    /// E-mail settings, when both the server and the sender are set.
    pub fn mail(&self) -> Option<siar_app::mail::MailSettings> {
        match (&self.smtp_url, &self.mail_from) {
            (Some(url), Some(from)) => Some(siar_app::mail::MailSettings {
                url: url.clone(),
                from: from.clone(),
            }),
            _ => None,
        }
    }

    /// The public base URL, defaulting to the listen address.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// The database to use: `DATABASE_URL` when set, else SQLite in the data folder.
    pub fn db_url(&self) -> Result<DbUrl> {
        match &self.database_url {
            Some(u) => DbUrl::parse(u).map_err(|e| {
                anyhow::anyhow!(
                    "DATABASE_URL is not valid ({e}); expected postgres://USER@HOST:5432/DATABASE or sqlite://PATH"
                )
            }),
            None => Ok(DbUrl::Sqlite(self.data_dir.join("siar.db"))),
        }
    }

    /// Creates the data folder if needed and checks that Siar may write in it.
    pub fn prepare_data_dir(&self) -> Result<()> {
        let d = &self.data_dir;
        std::fs::create_dir_all(d).with_context(|| {
            format!("cannot create the data folder {} (set --data or SIAR_DATA_DIR to a folder Siar may write to)", d.display())
        })?;
        let probe = d.join(".siar-write-test");
        std::fs::write(&probe, b"ok").with_context(|| {
            format!("the data folder {} is not writable (give Siar write permission, or set --data / SIAR_DATA_DIR to another folder)", d.display())
        })?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    /// The configuration as text with secrets hidden (`siar print-config`).
    pub fn redacted(&self) -> String {
        let db = match self.db_url() {
            Ok(u) => u.redacted(),
            Err(_) => "(invalid)".into(),
        };
        format!(
            "data_dir = {:?}\nlisten = \"{}\"\ndatabase = \"{}\"\nsecret_key = \"{}\"\nsecure_cookies = {}\nportal_org = {:?}\nsession_idle_hours = {}\naudit_retention_days = {}\nlog = {:?}\npublic_url = {:?}\nx_client_id = {:?}\nx_client_secret = \"{}\"\nfacebook_app_id = {:?}\nfacebook_app_secret = \"{}\"\ngoogle_client_id = {:?}\ngoogle_client_secret = \"{}\"\nsmtp_url = \"{}\"\nmail_from = {:?}\nmeta_verify_token = \"{}\"\nx_consumer_secret = \"{}\"\nraw_event_days = {}\n",
            display(&self.data_dir),
            self.listen,
            db,
            if self.secret_key.is_some() {
                "(set, hidden)"
            } else {
                "(key file in the data folder)"
            },
            self.secure_cookies,
            self.portal_org.clone().unwrap_or_default(),
            self.session_idle_hours,
            self.audit_retention_days,
            self.log,
            self.public_base(),
            self.x_client_id.clone().unwrap_or_default(),
            hidden(&self.x_client_secret),
            self.facebook_app_id.clone().unwrap_or_default(),
            hidden(&self.facebook_app_secret),
            self.google_client_id.clone().unwrap_or_default(),
            hidden(&self.google_client_secret),
            self.smtp_url
                .as_deref()
                .map(siar_app::redact_url_password)
                .unwrap_or_default(),
            self.mail_from.clone().unwrap_or_default(),
            hidden(&self.meta_verify_token),
            hidden(&self.x_consumer_secret),
            self.raw_event_days,
        )
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn hidden(v: &Option<String>) -> &'static str {
    if v.is_some() { "(set, hidden)" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(map: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = map
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn layers_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("siar.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nportal_org = \"palembang\"\nsecret_key = \"abc\"\n",
        )
        .unwrap();
        let o = Overrides {
            config_file: Some(file.clone()),
            ..Default::default()
        };
        let c = Config::load(&o, &env(&[])).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.portal_org.as_deref(), Some("palembang"));
        let c = Config::load(&o, &env(&[("SIAR_LISTEN", "127.0.0.1:9100")])).unwrap();
        assert_eq!(c.listen.port(), 9100, "env beats file");
        let o2 = Overrides {
            listen: Some("127.0.0.1:9200".into()),
            ..o
        };
        let c = Config::load(&o2, &env(&[("SIAR_LISTEN", "127.0.0.1:9100")])).unwrap();
        assert_eq!(c.listen.port(), 9200, "flags beat env");
        assert!(!c.redacted().contains("abc"), "secrets are hidden");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = Config::load(&Overrides::default(), &env(&[("SIAR_LISTEN", "nope")])).unwrap_err();
        assert!(format!("{e:#}").contains("SIAR_LISTEN"));
        let c = Config::load(
            &Overrides::default(),
            &env(&[("DATABASE_URL", "mysql://x")]),
        )
        .unwrap();
        assert!(format!("{:#}", c.db_url().unwrap_err()).contains("DATABASE_URL"));
        let missing = Overrides {
            config_file: Some("/nonexistent/siar.toml".into()),
            ..Default::default()
        };
        assert!(
            format!("{:#}", Config::load(&missing, &env(&[])).unwrap_err()).contains("--config")
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("siar.toml");
        std::fs::write(&file, "listen = 5\nunknown = 1\n").unwrap();
        let o = Overrides {
            config_file: Some(file),
            ..Default::default()
        };
        assert!(
            format!("{:#}", Config::load(&o, &env(&[])).unwrap_err()).contains("not valid TOML")
        );
    }

    #[test]
    fn webhook_secrets_are_read_and_hidden() {
        let c = Config::load(
            &Overrides::default(),
            &env(&[
                ("SIAR_META_VERIFY_TOKEN", "token-rahasia"),
                ("SIAR_X_CONSUMER_SECRET", "x-rahasia"),
                ("SIAR_RAW_EVENT_DAYS", "14"),
            ]),
        )
        .unwrap();
        assert_eq!(c.meta_verify_token.as_deref(), Some("token-rahasia"));
        assert_eq!(c.raw_event_days, 14);
        let r = c.redacted();
        assert!(
            !r.contains("rahasia") && r.contains("raw_event_days = 14"),
            "{r}"
        );
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SIAR_RAW_EVENT_DAYS", "sebulan")]),
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("SIAR_RAW_EVENT_DAYS"), "{e:#}");
    }

    #[test]
    fn postgres_password_is_redacted() {
        let c = Config::load(
            &Overrides::default(),
            &env(&[("DATABASE_URL", "postgres://siar:rahasia@db/siar")]),
        )
        .unwrap();
        let r = c.redacted();
        assert!(r.contains("siar:***@db") && !r.contains("rahasia"));
    }

    #[cfg(unix)]
    #[test]
    fn unwritable_data_dir_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        let c = Config {
            data_dir: ro.clone(),
            ..Default::default()
        };
        // Root may write anywhere; the check only matters for other users.
        if std::fs::write(ro.join("x"), b"x").is_err() {
            assert!(format!("{:#}", c.prepare_data_dir().unwrap_err()).contains("not writable"));
        }
    }

    #[test]
    fn smtp_needs_a_sender_and_a_usable_url_and_hides_its_password() {
        let e = Config::load(
            &Overrides::default(),
            &env(&[("SIAR_SMTP_URL", "smtps://siar:rahasia@mail.example.org:465")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("mail_from"), "{e}");
        let e = Config::load(
            &Overrides::default(),
            &env(&[
                ("SIAR_SMTP_URL", "ftp://mail.example.org"),
                ("SIAR_MAIL_FROM", "siar@example.org"),
            ]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("smtp_url"), "{e}");
        let c = Config::load(
            &Overrides::default(),
            &env(&[
                ("SIAR_SMTP_URL", "smtps://siar:rahasia@mail.example.org:465"),
                ("SIAR_MAIL_FROM", "Siar <siar@example.org>"),
            ]),
        )
        .unwrap();
        assert!(c.mail().is_some());
        let shown = c.redacted();
        assert!(!shown.contains("rahasia"), "{shown}");
        assert!(shown.contains("mail.example.org"));
    }
}
