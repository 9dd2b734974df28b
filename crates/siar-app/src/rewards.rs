//! Points and rewards: staff give points and keep the catalogue; a patron's
//! profile takes a reward for points and gets a voucher with a code and a QR
//! code; staff redeem it at the desk once. Taking stock, spending points and
//! redeeming are conditional updates inside one transaction: two requests at
//! once cannot oversell, double-spend or redeem twice.

use crate::audit::record;
use crate::patrons::PatronSession;
use crate::{Actor, App, AppError};
use rand::RngCore;
use siar_domain::Timestamp;
use siar_domain::audit::AuditAction;
use siar_domain::org::{OrgId, Permission};
use siar_domain::rewards::{self as rules, PointReason, RewardInput};
use siar_store::StoreError;
use siar_store::rewards as store;

pub use siar_store::rewards::{LedgerRow, Reward, Voucher};

/// Gives points to the profile with a nickname (e.g. for helpful comments
/// seen in the inbox).
pub async fn award(
    app: &App,
    actor: &Actor,
    nickname: &str,
    points: &str,
    reason: &str,
) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let (n, reason) = rules::check_award(points, reason).map_err(AppError::Invalid)?;
    let key = siar_domain::patrons::nickname_key(nickname);
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let Some(profile) = store::profile_by_nickname(&mut tx, actor.org, &key).await? else {
        tx.rollback().await?;
        return Err(AppError::field("nickname", "rw-err-nickname"));
    };
    store::add_points(
        &mut tx,
        actor.org,
        &store::Movement {
            profile,
            delta: n,
            reason: PointReason::Award.as_str(),
            ref_id: None,
            note: &reason,
            by: actor.user,
        },
        now,
    )
    .await?;
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "points",
        Some(profile.to_string()),
        format!("{n} points to {} ({reason})", nickname.trim()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(profile)
}

/// Adds points a programme earned (reading, quizzes, surveys) inside the
/// caller's transaction; nothing for zero or less.
pub(crate) async fn earn(
    tx: &mut siar_store::Tx,
    org: OrgId,
    m: &store::Movement<'_>,
    now: Timestamp,
) -> Result<(), AppError> {
    if m.delta > 0 {
        store::add_points(tx, org, m, now).await?;
    }
    Ok(())
}

pub async fn create_reward(app: &App, actor: &Actor, i: &RewardInput) -> Result<i64, AppError> {
    actor.require(Permission::ManagePrograms)?;
    let f = rules::check_reward(i).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let id = store::insert_reward(
        &mut tx,
        actor.org,
        &store::NewReward {
            name: &f.name,
            description: &f.description,
            cost: f.cost,
            stock: f.stock,
        },
        now,
    )
    .await?;
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "reward",
        Some(id.to_string()),
        format!("reward {} for {} points", f.name, f.cost),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_reward(
    app: &App,
    actor: &Actor,
    id: i64,
    i: &RewardInput,
    active: bool,
) -> Result<(), AppError> {
    actor.require(Permission::ManagePrograms)?;
    let f = rules::check_reward(i).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let found = store::update_reward(
        &mut tx,
        actor.org,
        id,
        &store::NewReward {
            name: &f.name,
            description: &f.description,
            cost: f.cost,
            stock: f.stock,
        },
        active,
        now,
    )
    .await?;
    if !found {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "reward",
        Some(id.to_string()),
        format!(
            "reward {}: {} points, stock {}, {}",
            f.name,
            f.cost,
            f.stock.map_or("∞".to_string(), |s| s.to_string()),
            if active { "offered" } else { "withdrawn" }
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The whole catalogue (staff).
pub async fn all_rewards(app: &App, actor: &Actor) -> Result<Vec<Reward>, AppError> {
    actor.require(Permission::ViewReports)?;
    let mut tx = app.store.read().await?;
    let r = store::rewards(&mut tx, actor.org, false).await?;
    tx.commit().await?;
    Ok(r)
}

/// What is offered now (portal).
pub async fn catalogue(app: &App, org: OrgId) -> Result<Vec<Reward>, AppError> {
    let mut tx = app.store.read().await?;
    let r = store::rewards(&mut tx, org, true).await?;
    tx.commit().await?;
    Ok(r)
}

/// A family's points: each profile's balance, the recent movements and the
/// vouchers.
#[derive(Debug, Clone)]
pub struct Points {
    /// (profile id, nickname, balance)
    pub balances: Vec<(i64, String, i64)>,
    pub ledger: Vec<LedgerRow>,
    pub vouchers: Vec<Voucher>,
}

pub async fn points(app: &App, s: &PatronSession) -> Result<Points, AppError> {
    let ids: Vec<i64> = s.profiles.iter().map(|p| p.id).collect();
    let mut tx = app.store.read().await?;
    let mut balances = Vec::new();
    for p in &s.profiles {
        balances.push((
            p.id,
            p.nickname.clone(),
            store::balance(&mut tx, s.org, p.id).await?,
        ));
    }
    let ledger = store::ledger(&mut tx, s.org, &ids, 50).await?;
    let vouchers = store::vouchers_of(&mut tx, s.org, &ids).await?;
    tx.commit().await?;
    Ok(Points {
        balances,
        ledger,
        vouchers,
    })
}

/// The active profile takes a reward: one from the stock, its cost from the
/// balance, a voucher — all or nothing. Returns the voucher's code.
pub async fn take(app: &App, s: &PatronSession, reward: i64) -> Result<String, AppError> {
    let Some(profile) = s.active.as_ref().map(|p| p.id) else {
        return Err(AppError::Forbidden);
    };
    for _ in 0..5 {
        let now = app.now();
        let mut bytes = [0u8; rules::VOUCHER_LEN];
        rand::rng().fill_bytes(&mut bytes);
        let code = rules::voucher_code(&bytes);
        let mut tx = app.store.begin().await?;
        let Some(r) = store::reward(&mut tx, s.org, reward).await? else {
            tx.rollback().await?;
            return Err(AppError::NotFound);
        };
        let refuse = |key| Err(AppError::field("reward", key));
        if !r.active {
            tx.rollback().await?;
            return refuse("rw-err-withdrawn");
        }
        if !store::take_stock(&mut tx, s.org, reward).await? {
            tx.rollback().await?;
            return refuse("rw-err-no-stock");
        }
        let spent = store::spend_points(
            &mut tx,
            s.org,
            &store::Movement {
                profile,
                delta: r.cost,
                reason: PointReason::Redeem.as_str(),
                ref_id: Some(reward),
                note: &r.name,
                by: None,
            },
            now,
        )
        .await?;
        if !spent {
            tx.rollback().await?;
            return refuse("rw-err-too-few");
        }
        match store::insert_voucher(
            &mut tx,
            s.org,
            &store::NewVoucher {
                reward,
                profile,
                code: &code,
                cost: r.cost,
                expires_at: Timestamp(now.0 + rules::VOUCHER_TTL_MS),
            },
            now,
        )
        .await
        {
            Ok(_) => {
                tx.commit().await?;
                return Ok(code);
            }
            // A drawn code that exists: draw again, from the start.
            Err(StoreError::Conflict(_)) => {
                tx.rollback().await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Internal(
        "could not draw a free voucher code".into(),
    ))
}

/// One of the family's vouchers (others' codes are not shown).
pub async fn voucher(app: &App, s: &PatronSession, code: &str) -> Result<Voucher, AppError> {
    let code = rules::normalise_voucher(code).ok_or(AppError::NotFound)?;
    let mut tx = app.store.read().await?;
    let v = store::voucher_by_code(&mut tx, s.org, &code).await?;
    tx.commit().await?;
    match v {
        Some(v)
            if v.profile_id
                .is_some_and(|p| s.profiles.iter().any(|x| x.id == p)) =>
        {
            Ok(v)
        }
        _ => Err(AppError::NotFound),
    }
}

/// The address a desk's phone opens when it scans a voucher's QR code.
pub fn desk_url(app: &App, code: &str) -> String {
    format!(
        "{}/app/hadiah/tukar?kode={code}",
        app.config.public_url.trim_end_matches('/')
    )
}

/// A voucher's QR code (SVG) for its owner's screen.
pub async fn voucher_qr(app: &App, s: &PatronSession, code: &str) -> Result<String, AppError> {
    let v = voucher(app, s, code).await?;
    let qr = crate::links::qr(&desk_url(app, &v.code))?;
    Ok(qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// Looks a voucher up at the desk without using it.
pub async fn look_up(app: &App, actor: &Actor, input: &str) -> Result<Voucher, AppError> {
    actor.require(Permission::RedeemVouchers)?;
    let code =
        rules::normalise_voucher(input).ok_or_else(|| AppError::field("code", "rw-err-code"))?;
    let mut tx = app.store.read().await?;
    let v = store::voucher_by_code(&mut tx, actor.org, &code).await?;
    tx.commit().await?;
    v.ok_or_else(|| AppError::field("code", "rw-err-unknown"))
}

/// Uses a voucher at the desk, once. Two desks at the same moment: one
/// succeeds, the other is told it was used.
pub async fn redeem(app: &App, actor: &Actor, input: &str) -> Result<Voucher, AppError> {
    actor.require(Permission::RedeemVouchers)?;
    let user = actor.user.ok_or(AppError::Forbidden)?;
    let v = look_up(app, actor, input).await?;
    let now = app.now();
    if v.redeemed_at.is_some() {
        return Err(AppError::field("code", "rw-err-used"));
    }
    if v.expires_at <= now.0 {
        return Err(AppError::field("code", "rw-err-expired"));
    }
    let mut tx = app.store.begin().await?;
    if !store::redeem(&mut tx, actor.org, &v.code, user, now).await? {
        tx.rollback().await?;
        return Err(AppError::field("code", "rw-err-used"));
    }
    record(
        &mut tx,
        actor,
        AuditAction::ProgramChanged,
        "voucher",
        Some(v.id.to_string()),
        format!("voucher {} ({}) redeemed", v.code, v.reward),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Voucher {
        redeemed_at: Some(now.0),
        ..v
    })
}

/// Vouchers used recently (the desk page's list).
pub async fn recently_redeemed(app: &App, actor: &Actor) -> Result<Vec<Voucher>, AppError> {
    actor.require(Permission::RedeemVouchers)?;
    let mut tx = app.store.read().await?;
    let v = store::recently_redeemed(&mut tx, actor.org, 20).await?;
    tx.commit().await?;
    Ok(v)
}

/// The demo's catalogue, and points for its patrons (as if earned).
pub(crate) async fn seed_demo(
    app: &App,
    editor: &Actor,
    profiles: &[(i64, i64)],
) -> Result<(), AppError> {
    for (name, description, cost, stock) in [
        (
            "Bebas denda sekali",
            "Satu kali keterlambatan pengembalian tanpa denda.",
            50,
            None,
        ),
        (
            "Prioritas pinjam buku baru",
            "Meminjam buku yang baru datang sebelum dipajang di rak.",
            120,
            Some(10),
        ),
        (
            "Pembatas buku Perpustakaan Kota Palembang",
            "Pembatas buku bergambar Jembatan Ampera.",
            30,
            Some(40),
        ),
    ] {
        create_reward(
            app,
            editor,
            &RewardInput {
                name: name.into(),
                description: description.into(),
                cost: cost.to_string(),
                stock: stock.map(|s: i64| s.to_string()).unwrap_or_default(),
            },
        )
        .await?;
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    for (profile, points) in profiles {
        earn(
            &mut tx,
            editor.org,
            &store::Movement {
                profile: *profile,
                delta: *points,
                reason: PointReason::Award.as_str(),
                ref_id: None,
                note: "Selamat datang di program membaca",
                by: editor.user,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
