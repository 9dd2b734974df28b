//! Staff sign-in, sessions and sign-out.

use crate::audit::record;
use crate::secrets::{random_token, token_hash};
use crate::{Actor, App, AppError};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use siar_domain::audit::AuditAction;
use siar_domain::org::{DEMO_PASSWORD, Lang, Organisation, Staff};
use siar_domain::validate::normalise_email;
use siar_store::{org, sessions};
use std::time::Duration;

/// Hashes a password with argon2id (default parameters, random salt), off the
/// async threads.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the e-mail is unknown so
/// that unknown and known e-mails take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn dummy_hash() -> String {
    if let Some(h) = DUMMY_HASH.get() {
        return h.clone();
    }
    let h = hash_password(&random_token()).await.unwrap_or_default();
    DUMMY_HASH.get_or_init(|| h).clone()
}

/// A successful sign-in: the cookie token (shown once, stored hashed).
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub staff: Staff,
}

/// Who is signed in, from a session cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: Staff,
    pub org: Organisation,
    pub csrf_token: String,
    pub actor: Actor,
    /// Console notifications not read yet (shown in the navigation).
    pub unread: i64,
    /// Inbox conversations not read yet (shown in the navigation).
    pub inbox_unread: i64,
}

impl Session {
    /// The language to speak to this person in.
    pub fn lang(&self) -> Lang {
        self.staff.lang.unwrap_or(self.org.settings.default_lang)
    }
}

fn account_scope(email: &str) -> String {
    format!("account:{email}")
}

fn address_scope(ip: &str) -> String {
    format!("ip:{ip}")
}

fn minutes_left(window: Duration) -> i64 {
    i64::try_from(window.as_secs().div_ceil(60)).unwrap_or(15)
}

/// Signs a staff member in: checks throttling, the password, that the account is
/// active, and (outside demo mode) refuses the demo password. On success a fresh
/// session replaces any the browser had (`old_token`).
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    old_token: Option<&str>,
) -> Result<SignedIn, AppError> {
    let email = normalise_email(email);
    if email.is_empty() || password.is_empty() || email.len() > 254 || password.len() > 1024 {
        return Err(AppError::Unauthenticated {
            key: "login-invalid",
            minutes: None,
        });
    }
    let now = app.now();
    let cfg = &app.config;
    let since = now.minus(cfg.throttle_window);
    let acct = account_scope(&email);
    let addr = ip.map(address_scope);

    let mut tx = app.store.read().await?;
    let throttled = sessions::failures_since(&mut tx, &acct, since).await?
        >= cfg.throttle_per_account
        || match &addr {
            Some(a) => {
                sessions::failures_since(&mut tx, a, since).await? >= cfg.throttle_per_address
            }
            None => false,
        };
    let found = org::user_for_login(&mut tx, &email).await?;
    tx.rollback().await?;
    if throttled {
        return Err(AppError::Unauthenticated {
            key: "login-throttled",
            minutes: Some(minutes_left(cfg.throttle_window)),
        });
    }

    let ok = match &found {
        Some((_, hash)) => verify_password(password, hash).await,
        None => {
            verify_password(password, &dummy_hash().await).await;
            false
        }
    };
    let staff = match found {
        Some((staff, _)) if ok => staff,
        _ => {
            let mut tx = app.store.begin().await?;
            sessions::record_failure(&mut tx, &acct, now).await?;
            if let Some(a) = &addr {
                sessions::record_failure(&mut tx, a, now).await?;
            }
            tx.commit().await?;
            return Err(AppError::Unauthenticated {
                key: "login-invalid",
                minutes: None,
            });
        }
    };
    if password == DEMO_PASSWORD && !cfg.demo_mode {
        return Err(AppError::Unauthenticated {
            key: "login-demo-password",
            minutes: None,
        });
    }
    if !staff.active {
        return Err(AppError::Unauthenticated {
            key: "login-inactive",
            minutes: None,
        });
    }

    let token = random_token();
    let csrf = random_token();
    let mut tx = app.store.begin().await?;
    if let Some(old) = old_token {
        sessions::delete_by_token(&mut tx, &token_hash(old)).await?;
    }
    sessions::insert(
        &mut tx,
        &sessions::NewSession {
            org_id: staff.org_id,
            user_id: staff.id,
            token_hash: &token_hash(&token),
            csrf_token: &csrf,
            expires_at: now.plus(cfg.session_idle),
            ip,
            user_agent,
        },
        now,
    )
    .await?;
    sessions::clear_failures(&mut tx, &acct).await?;
    let actor = Actor {
        org: staff.org_id,
        user: Some(staff.id),
        label: staff.email.clone(),
        role: staff.role,
        ip: ip.map(str::to_string),
    };
    record(
        &mut tx,
        &actor,
        AuditAction::SignIn,
        "session",
        None,
        String::new(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn { token, staff })
}

/// The live session for a cookie token, sliding its expiry. `None` when the token is
/// unknown or expired, or the account was deactivated.
pub async fn session(
    app: &App,
    token: &str,
    ip: Option<&str>,
) -> Result<Option<Session>, AppError> {
    let now = app.now();
    let hash = token_hash(token);
    let mut tx = app.store.read().await?;
    let Some(s) = sessions::find(&mut tx, &hash, now).await? else {
        return Ok(None);
    };
    let org_id = siar_domain::org::OrgId(s.org_id);
    let staff = org::user(&mut tx, org_id, siar_domain::org::UserId(s.user_id)).await?;
    let org = org::org_by_id(&mut tx, org_id).await?;
    let unread =
        siar_store::studio::unread_count(&mut tx, org_id, siar_domain::org::UserId(s.user_id))
            .await?;
    let inbox_unread = siar_store::inbox::unread_count(&mut tx, org_id).await?;
    tx.rollback().await?;
    let (Some(staff), Some(org)) = (staff, org) else {
        return Ok(None);
    };
    if !staff.active {
        return Ok(None);
    }
    // Slide the expiry at most once a minute, to spare the database.
    if now.0 - s.last_seen_at > 60_000 {
        let mut tx = app.store.begin().await?;
        sessions::touch(&mut tx, s.id, now, now.plus(app.config.session_idle)).await?;
        tx.commit().await?;
    }
    let actor = Actor {
        org: org.id,
        user: Some(staff.id),
        label: staff.email.clone(),
        role: staff.role,
        ip: ip.map(str::to_string),
    };
    Ok(Some(Session {
        staff,
        org,
        csrf_token: s.csrf_token,
        actor,
        unread,
        inbox_unread,
    }))
}

/// Ends this browser's session.
pub async fn sign_out(app: &App, token: &str) -> Result<(), AppError> {
    let mut tx = app.store.begin().await?;
    sessions::delete_by_token(&mut tx, &token_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the signed-in person, on every device.
pub async fn sign_out_everywhere(app: &App, actor: &Actor) -> Result<u64, AppError> {
    let Some(user) = actor.user else {
        return Err(AppError::Forbidden);
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let n = sessions::delete_for_user(&mut tx, actor.org, user).await?;
    record(
        &mut tx,
        actor,
        AuditAction::SignOutEverywhere,
        "user",
        Some(user.0.to_string()),
        format!("sessions: {n}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Saves the language a person chose; it follows them to every device.
pub async fn set_language(app: &App, actor: &Actor, lang: Lang) -> Result<(), AppError> {
    let Some(user) = actor.user else {
        return Err(AppError::Forbidden);
    };
    let now = app.now();
    let mut tx = app.store.begin().await?;
    org::set_lang(&mut tx, actor.org, user, lang, now).await?;
    record(
        &mut tx,
        actor,
        AuditAction::LanguageChanged,
        "user",
        Some(user.0.to_string()),
        format!("lang: {}", lang.code()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes one's own password after checking the current one. Every other session
/// of this person ends; the browser that made the change (`token`) stays signed in.
pub async fn change_own_password(
    app: &App,
    actor: &Actor,
    token: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let Some(user) = actor.user else {
        return Err(AppError::Forbidden);
    };
    let mut p = siar_domain::validate::Problems::default();
    siar_domain::org::check_password(&mut p, "new_password", new, app.config.demo_mode);
    if !p.is_empty() {
        return Err(AppError::Invalid(p));
    }
    let mut tx = app.store.read().await?;
    let hash = org::password_hash(&mut tx, actor.org, user)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.rollback().await?;
    if !verify_password(current, &hash).await {
        return Err(AppError::field("current_password", "err-current-password"));
    }
    let new_hash = hash_password(new).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    org::set_password_hash(&mut tx, actor.org, user, &new_hash, now).await?;
    let ended = sessions::delete_others(&mut tx, actor.org, user, &token_hash(token)).await?;
    record(
        &mut tx,
        actor,
        AuditAction::PasswordChanged,
        "user",
        Some(user.0.to_string()),
        format!("other sessions ended: {ended}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
