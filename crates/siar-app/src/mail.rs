//! E-mail, when the deployment configures SMTP: console notifications are
//! also sent to the person's address. Each e-mail is a job written in the
//! same transaction as its notification (an outbox), so it is sent once the
//! change is committed and retried with backoff when the server is away.

use crate::jobs::{JobError, JobFuture, JobHandler};
use crate::{App, AppError};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use siar_domain::Timestamp;
use siar_domain::jobs::{Job, NewJob};
use siar_domain::org::{Lang, OrgId, UserId};
use siar_store::{StoreError, Tx, jobs};
use std::collections::BTreeMap;

/// Kind of the job that sends one e-mail.
pub const SEND_EMAIL: &str = "send_email";

/// How to reach the SMTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS), or `smtp://host:25` (plain, for a
    /// relay on the same machine).
    pub url: String,
    /// The sender, e.g. `Siar Perpustakaan <siar@perpustakaan.go.id>`.
    pub from: String,
}

/// Turns a message key and its values into text in a language. The binary
/// passes the web layer's Fluent lookup; the app has no messages of its own.
pub type Translate = fn(Lang, &str, &[(&str, String)]) -> String;

/// Checks settings before Siar starts: a URL lettre can use and a sender it
/// can parse. Returns the reason in English for the operator.
pub fn check(settings: &MailSettings) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
        .map_err(|e| format!("smtp_url is not usable: {e}"))?;
    settings
        .from
        .parse::<Mailbox>()
        .map_err(|e| format!("mail_from is not an address: {e}"))?;
    Ok(())
}

/// Queues an e-mail copy of a notification (inside the caller's transaction),
/// when SMTP is configured.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue(
    app: &App,
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    kind: &str,
    args: &BTreeMap<String, String>,
    link: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    if app.config.mail.is_none() {
        return Ok(());
    }
    jobs::enqueue(
        tx,
        &NewJob {
            org_id: Some(org),
            kind: SEND_EMAIL.into(),
            payload: serde_json::json!({
                "user": user.0,
                "kind": kind,
                "args": args,
                "link": link,
            })
            .to_string(),
            run_at: now,
            max_attempts: 8,
            dedup_key: None,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The e-mail for one notification: (subject, body), in the person's language.
pub fn compose(
    translate: Translate,
    lang: Lang,
    name: &str,
    kind: &str,
    args: &BTreeMap<String, String>,
    url: &str,
) -> (String, String) {
    let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let text = translate(lang, kind, &args);
    let subject = translate(lang, "mail-subject", &[("text", shorten(&text, 90))]);
    let body = translate(
        lang,
        "mail-body",
        &[
            ("name", name.to_string()),
            ("text", text),
            ("link", url.to_string()),
        ],
    );
    (subject, body)
}

fn shorten(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let mut out: String = line.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Sends queued e-mails.
pub struct SendEmail;

#[derive(serde::Deserialize)]
struct Payload {
    user: i64,
    kind: String,
    #[serde(default)]
    args: BTreeMap<String, String>,
    link: String,
}

impl JobHandler for SendEmail {
    fn kind(&self) -> &'static str {
        SEND_EMAIL
    }

    fn run<'a>(&'a self, app: &'a App, job: &'a Job) -> JobFuture<'a> {
        Box::pin(async move {
            let (Some(settings), Some(translate)) = (&app.config.mail, app.config.translate) else {
                return Err(JobError::Permanent(
                    "e-mail is no longer configured; the notification stays in the console".into(),
                ));
            };
            let p: Payload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
            let Some(org) = job.org_id else {
                return Err(JobError::Permanent(
                    "e-mail job without an organisation".into(),
                ));
            };
            let retry = |e: AppError| JobError::Retry(e.to_string());
            let mut tx = app.store.read().await.map_err(|e| retry(e.into()))?;
            let staff = siar_store::org::user(&mut tx, org, UserId(p.user))
                .await
                .map_err(|e| retry(e.into()))?;
            let o = siar_store::org::org_by_id(&mut tx, org)
                .await
                .map_err(|e| retry(e.into()))?;
            tx.commit().await.map_err(|e| retry(e.into()))?;
            let (Some(staff), Some(o)) = (staff, o) else {
                return Err(JobError::Permanent("recipient no longer exists".into()));
            };
            if !staff.active {
                return Ok(());
            }
            let lang = staff.lang.unwrap_or(o.settings.default_lang);
            let url = format!("{}{}", app.config.public_url.trim_end_matches('/'), p.link);
            let (subject, body) = compose(translate, lang, &staff.name, &p.kind, &p.args, &url);
            let to: Mailbox = format!(
                "{} <{}>",
                staff.name.replace(['<', '>', '"'], ""),
                staff.email
            )
            .parse()
            .or_else(|_| staff.email.parse())
            .map_err(|e| JobError::Permanent(format!("recipient address: {e}")))?;
            send_text(settings, to, subject, body).await?;
            tracing::info!(job = job.id, "e-mail sent");
            Ok(())
        })
    }
}

/// Sends one plain-text message; a refused or unreachable server is worth
/// another try, a bad setting is not.
pub(crate) async fn send_text(
    settings: &MailSettings,
    to: Mailbox,
    subject: String,
    body: String,
) -> Result<(), JobError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| JobError::Permanent(format!("mail_from: {e}")))?;
    let msg = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| JobError::Permanent(format!("message: {e}")))?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
        .map_err(|e| JobError::Permanent(format!("smtp_url: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    transport
        .send(msg)
        .await
        .map_err(|e| JobError::Retry(format!("smtp: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
        let a: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}:{key}[{}]", lang.code(), a.join(";"))
    }

    #[test]
    fn an_email_says_what_the_notification_says() {
        let mut args = BTreeMap::new();
        args.insert("title".to_string(), "Kelas menulis".to_string());
        let (subject, body) = compose(
            t,
            Lang::Id,
            "Dedi",
            "note-submitted",
            &args,
            "http://x/app/tulis/1",
        );
        assert_eq!(
            subject,
            "id:mail-subject[text=id:note-submitted[title=Kelas menulis]]"
        );
        assert!(body.contains("name=Dedi"));
        assert!(body.contains("link=http://x/app/tulis/1"));
        assert_eq!(shorten(&"a".repeat(100), 90).chars().count(), 90);
    }

    #[test]
    fn settings_are_checked() {
        assert!(
            check(&MailSettings {
                url: "smtp://127.0.0.1:2525".into(),
                from: "Siar <siar@perpustakaan.example>".into()
            })
            .is_ok()
        );
        assert!(
            check(&MailSettings {
                url: "ftp://x".into(),
                from: "siar@perpustakaan.example".into()
            })
            .is_err()
        );
        assert!(
            check(&MailSettings {
                url: "smtp://127.0.0.1:2525".into(),
                from: "bukan alamat".into()
            })
            .is_err()
        );
    }
}
