//! Points (an append-only ledger with a balance kept beside it), the rewards
//! catalogue and vouchers. Spending, taking stock and redeeming are single
//! conditional updates, so two requests at once cannot both succeed on either
//! engine.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{OrgId, UserId};

/// One movement of points.
pub struct Movement<'a> {
    pub profile: i64,
    pub delta: i64,
    pub reason: &'a str,
    pub ref_id: Option<i64>,
    pub note: &'a str,
    pub by: Option<UserId>,
}

async fn write_ledger(
    tx: &mut Tx,
    org: OrgId,
    m: &Movement<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("points_ledger")
        .columns([
            "org_id",
            "profile_id",
            "delta",
            "reason",
            "ref_id",
            "note",
            "by_user",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            m.profile.into(),
            m.delta.into(),
            m.reason.into(),
            m.ref_id.into(),
            m.note.into(),
            m.by.map(|u| u.0).into(),
            now.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Adds points (delta > 0): a ledger row and the balance.
pub async fn add_points(
    tx: &mut Tx,
    org: OrgId,
    m: &Movement<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    write_ledger(tx, org, m, now).await?;
    let q = Query::insert()
        .into_table("point_balances")
        .columns(["profile_id", "org_id", "balance"])
        .values_panic([m.profile.into(), org.0.into(), m.delta.into()])
        .on_conflict(
            OnConflict::column("profile_id")
                .value(
                    "balance",
                    Expr::cust("point_balances.balance + excluded.balance"),
                )
                .to_owned(),
        )
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Spends points if the balance holds them: `false` (and nothing written)
/// when it does not. `m.delta` is the (positive) amount spent.
pub async fn spend_points(
    tx: &mut Tx,
    org: OrgId,
    m: &Movement<'_>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("point_balances")
        .value("balance", Expr::col("balance").sub(m.delta))
        .and_where(Expr::col("profile_id").eq(m.profile))
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("balance").gte(m.delta))
        .to_owned();
    if tx.exec(&q).await? != 1 {
        return Ok(false);
    }
    let spent = Movement {
        delta: -m.delta,
        ..*m
    };
    write_ledger(tx, org, &spent, now).await?;
    Ok(true)
}

pub async fn balance(tx: &mut Tx, org: OrgId, profile: i64) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col("balance"), "id")
        .from("point_balances")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("profile_id").eq(profile))
        .to_owned();
    Ok(tx.fetch_ids(&q).await?.first().copied().unwrap_or(0))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub profile_id: i64,
    pub delta: i64,
    pub reason: String,
    pub note: String,
    pub created_at: i64,
}

/// A profile's movements, newest first.
pub async fn ledger(
    tx: &mut Tx,
    org: OrgId,
    profiles: &[i64],
    limit: u64,
) -> Result<Vec<LedgerRow>, StoreError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "profile_id", "delta", "reason", "note", "created_at"])
        .from("points_ledger")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("profile_id").is_in(profiles.iter().copied()))
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// The ledger's sum for a profile (to check the kept balance).
pub async fn ledger_sum(tx: &mut Tx, org: OrgId, profile: i64) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COALESCE(SUM(delta), 0) AS BIGINT)"), "id")
        .from("points_ledger")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("profile_id").eq(profile))
        .to_owned();
    Ok(tx.fetch_ids(&q).await?.first().copied().unwrap_or(0))
}

// Rewards ------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Reward {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub cost: i64,
    pub stock: Option<i64>,
    pub active: bool,
}

const REWARD_COLS: [&str; 6] = ["id", "name", "description", "cost", "stock", "active"];

pub struct NewReward<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub cost: i64,
    pub stock: Option<i64>,
}

pub async fn insert_reward(
    tx: &mut Tx,
    org: OrgId,
    r: &NewReward<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("rewards")
        .columns([
            "org_id",
            "name",
            "description",
            "cost",
            "stock",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            org.0.into(),
            r.name.into(),
            r.description.into(),
            r.cost.into(),
            r.stock.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    tx.fetch_ids(&q)
        .await?
        .first()
        .copied()
        .ok_or(StoreError::NotFound)
}

/// Changes a reward (its stock is set, not added to).
pub async fn update_reward(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    r: &NewReward<'_>,
    active: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("rewards")
        .value("name", r.name)
        .value("description", r.description)
        .value("cost", r.cost)
        .value("stock", r.stock)
        .value("active", active)
        .value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn rewards(
    tx: &mut Tx,
    org: OrgId,
    only_active: bool,
) -> Result<Vec<Reward>, StoreError> {
    let mut q = Query::select();
    q.columns(REWARD_COLS)
        .from("rewards")
        .and_where(Expr::col("org_id").eq(org.0))
        .order_by("cost", Order::Asc)
        .order_by("id", Order::Asc);
    if only_active {
        q.and_where(Expr::col("active").eq(true));
    }
    Ok(tx.fetch_all(&q).await?)
}

pub async fn reward(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Reward>, StoreError> {
    let q = Query::select()
        .columns(REWARD_COLS)
        .from("rewards")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Takes one from an active reward's stock: `false` when none is left (a
/// reward without a limit always has one).
pub async fn take_stock(tx: &mut Tx, org: OrgId, id: i64) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("rewards")
        .value("stock", Expr::col("stock").sub(1))
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("active").eq(true))
        .and_where(Expr::col("stock").is_null().or(Expr::col("stock").gt(0)))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

// Vouchers -----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Voucher {
    pub id: i64,
    pub org_id: i64,
    pub reward_id: i64,
    pub reward: String,
    pub profile_id: Option<i64>,
    pub code: String,
    pub cost: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub redeemed_at: Option<i64>,
}

pub struct NewVoucher<'a> {
    pub reward: i64,
    pub profile: i64,
    pub code: &'a str,
    pub cost: i64,
    pub expires_at: Timestamp,
}

/// A new voucher; `Conflict("code")` when the drawn code exists.
pub async fn insert_voucher(
    tx: &mut Tx,
    org: OrgId,
    v: &NewVoucher<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("vouchers")
        .columns([
            "org_id",
            "reward_id",
            "profile_id",
            "code",
            "cost",
            "created_at",
            "expires_at",
        ])
        .values_panic([
            org.0.into(),
            v.reward.into(),
            v.profile.into(),
            v.code.into(),
            v.cost.into(),
            now.0.into(),
            v.expires_at.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    match tx.fetch_ids(&q).await {
        Ok(ids) => ids.first().copied().ok_or(StoreError::NotFound),
        Err(StoreError::Db(e)) => Err(StoreError::from_write(e, "code")),
        Err(e) => Err(e),
    }
}

fn voucher_select() -> sea_query::SelectStatement {
    Query::select()
        .expr_as(Expr::col(("vouchers", "id")), "id")
        .expr_as(Expr::col(("vouchers", "org_id")), "org_id")
        .expr_as(Expr::col(("vouchers", "reward_id")), "reward_id")
        .expr_as(Expr::col(("rewards", "name")), "reward")
        .expr_as(Expr::col(("vouchers", "profile_id")), "profile_id")
        .expr_as(Expr::col(("vouchers", "code")), "code")
        .expr_as(Expr::col(("vouchers", "cost")), "cost")
        .expr_as(Expr::col(("vouchers", "created_at")), "created_at")
        .expr_as(Expr::col(("vouchers", "expires_at")), "expires_at")
        .expr_as(Expr::col(("vouchers", "redeemed_at")), "redeemed_at")
        .from("vouchers")
        .inner_join(
            "rewards",
            Expr::col(("rewards", "id")).equals(("vouchers", "reward_id")),
        )
        .to_owned()
}

pub async fn voucher_by_code(
    tx: &mut Tx,
    org: OrgId,
    code: &str,
) -> Result<Option<Voucher>, StoreError> {
    let q = voucher_select()
        .and_where(Expr::col(("vouchers", "org_id")).eq(org.0))
        .and_where(Expr::col(("vouchers", "code")).eq(code))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// The vouchers of some profiles, newest first.
pub async fn vouchers_of(
    tx: &mut Tx,
    org: OrgId,
    profiles: &[i64],
) -> Result<Vec<Voucher>, StoreError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let q = voucher_select()
        .and_where(Expr::col(("vouchers", "org_id")).eq(org.0))
        .and_where(Expr::col(("vouchers", "profile_id")).is_in(profiles.iter().copied()))
        .order_by(("vouchers", "id"), Order::Desc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Marks a voucher used, once: `false` when it was already used (or is not
/// this organisation's, or has expired).
pub async fn redeem(
    tx: &mut Tx,
    org: OrgId,
    code: &str,
    by: UserId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("vouchers")
        .value("redeemed_at", now.0)
        .value("redeemed_by", by.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("code").eq(code))
        .and_where(Expr::col("redeemed_at").is_null())
        .and_where(Expr::col("expires_at").gt(now.0))
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Vouchers used at the desk recently (for the desk page), newest first.
pub async fn recently_redeemed(
    tx: &mut Tx,
    org: OrgId,
    limit: u64,
) -> Result<Vec<Voucher>, StoreError> {
    let q = voucher_select()
        .and_where(Expr::col(("vouchers", "org_id")).eq(org.0))
        .and_where(Expr::col(("vouchers", "redeemed_at")).is_not_null())
        .order_by(("vouchers", "redeemed_at"), Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// The profile with this public nickname (staff award points by nickname).
pub async fn profile_by_nickname(
    tx: &mut Tx,
    org: OrgId,
    nickname_key: &str,
) -> Result<Option<i64>, StoreError> {
    let q = Query::select()
        .column("id")
        .from("patron_profiles")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("nickname_key").eq(nickname_key))
        .to_owned();
    Ok(tx.fetch_ids(&q).await?.first().copied())
}
