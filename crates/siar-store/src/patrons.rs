//! Patrons: accounts, profiles (own and children's), one-time sign-in codes,
//! sessions and consent records. Every function takes the organisation.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::OrgId;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Patron {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub lang: Option<String>,
    pub member_no: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Profile {
    pub id: i64,
    pub patron_id: i64,
    /// `self` or `child`.
    pub kind: String,
    pub nickname: String,
    pub first_name: Option<String>,
    pub birth_year: Option<i32>,
    pub created_at: i64,
}

impl Profile {
    pub fn is_child(&self) -> bool {
        self.kind == "child"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub code_hash: String,
    pub code_enc: Option<String>,
    pub lang: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub tries: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Consent {
    pub id: i64,
    pub profile_id: Option<i64>,
    pub purpose: String,
    pub version: String,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
}

const PATRON_COLS: [&str; 7] = [
    "id",
    "org_id",
    "email",
    "lang",
    "member_no",
    "created_at",
    "last_seen_at",
];
const PROFILE_COLS: [&str; 7] = [
    "id",
    "patron_id",
    "kind",
    "nickname",
    "first_name",
    "birth_year",
    "created_at",
];

async fn first_id(tx: &mut Tx, q: &sea_query::InsertStatement) -> Result<i64, StoreError> {
    tx.fetch_ids(q)
        .await?
        .first()
        .copied()
        .ok_or(StoreError::NotFound)
}

/// The account of this address, made on first sign-in; `true` when new.
pub async fn find_or_create(
    tx: &mut Tx,
    org: OrgId,
    email: &str,
    lang: &str,
    now: Timestamp,
) -> Result<(Patron, bool), StoreError> {
    if let Some(p) = by_email(tx, org, email).await? {
        let q = Query::update()
            .table("patrons")
            .value("last_seen_at", now.0)
            .and_where(Expr::col("id").eq(p.id))
            .to_owned();
        tx.exec(&q).await?;
        return Ok((p, false));
    }
    let q = Query::insert()
        .into_table("patrons")
        .columns(["org_id", "email", "lang", "created_at", "last_seen_at"])
        .values_panic([
            org.0.into(),
            email.into(),
            lang.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    let id = tx
        .fetch_ids(&q)
        .await
        .map_err(|e| match e {
            StoreError::Db(d) => StoreError::from_write(d, "patron"),
            other => other,
        })?
        .first()
        .copied()
        .ok_or(StoreError::NotFound)?;
    let p = patron(tx, org, id).await?.ok_or(StoreError::NotFound)?;
    Ok((p, true))
}

pub async fn by_email(tx: &mut Tx, org: OrgId, email: &str) -> Result<Option<Patron>, StoreError> {
    let q = Query::select()
        .columns(PATRON_COLS)
        .from("patrons")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("email").eq(email))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn patron(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Patron>, StoreError> {
    let q = Query::select()
        .columns(PATRON_COLS)
        .from("patrons")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn set_details(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    lang: Option<&str>,
    member_no: Option<&str>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table("patrons")
        .value("lang", lang.map(str::to_string))
        .value("member_no", member_no.map(str::to_string))
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Deletes an account with its profiles, sessions and consents (cascade);
/// ballots and conversions keep their counts without the profile.
pub async fn delete(tx: &mut Tx, org: OrgId, id: i64) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table("patrons")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

// Profiles -----------------------------------------------------------------

pub struct NewProfile<'a> {
    pub patron_id: i64,
    pub kind: &'a str,
    pub nickname: &'a str,
    pub nickname_key: &'a str,
    pub first_name: Option<&'a str>,
    pub birth_year: Option<i32>,
}

/// A new profile; `Conflict("nickname")` when another profile has it.
pub async fn insert_profile(
    tx: &mut Tx,
    org: OrgId,
    p: &NewProfile<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("patron_profiles")
        .columns([
            "org_id",
            "patron_id",
            "kind",
            "nickname",
            "nickname_key",
            "first_name",
            "birth_year",
            "created_at",
        ])
        .values_panic([
            org.0.into(),
            p.patron_id.into(),
            p.kind.into(),
            p.nickname.into(),
            p.nickname_key.into(),
            p.first_name.map(str::to_string).into(),
            p.birth_year.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    match tx.fetch_ids(&q).await {
        Ok(ids) => ids.first().copied().ok_or(StoreError::NotFound),
        Err(StoreError::Db(e)) => Err(StoreError::from_write(e, "nickname")),
        Err(e) => Err(e),
    }
}

/// The account's profiles: its own first, then children by age.
pub async fn profiles(tx: &mut Tx, org: OrgId, patron: i64) -> Result<Vec<Profile>, StoreError> {
    let q = Query::select()
        .columns(PROFILE_COLS)
        .from("patron_profiles")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("patron_id").eq(patron))
        .order_by("kind", Order::Desc)
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

pub async fn profile(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Profile>, StoreError> {
    let q = Query::select()
        .columns(PROFILE_COLS)
        .from("patron_profiles")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn delete_profile(
    tx: &mut Tx,
    org: OrgId,
    patron: i64,
    id: i64,
) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table("patron_profiles")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("patron_id").eq(patron))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

// Codes --------------------------------------------------------------------

pub struct NewCode<'a> {
    pub email: &'a str,
    pub code_hash: &'a str,
    pub code_enc: &'a str,
    pub address: &'a str,
    pub lang: &'a str,
    pub expires_at: Timestamp,
}

pub async fn insert_code(
    tx: &mut Tx,
    org: OrgId,
    c: &NewCode<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("patron_codes")
        .columns([
            "org_id",
            "email",
            "code_hash",
            "code_enc",
            "address",
            "lang",
            "created_at",
            "expires_at",
        ])
        .values_panic([
            org.0.into(),
            c.email.into(),
            c.code_hash.into(),
            c.code_enc.into(),
            c.address.into(),
            c.lang.into(),
            now.0.into(),
            c.expires_at.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    first_id(tx, &q).await
}

/// Codes asked for an address (`column` = `email`) or from a network address
/// (`column` = `address`) since a time.
pub async fn codes_since(
    tx: &mut Tx,
    org: OrgId,
    column: &'static str,
    value: &str,
    since: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from("patron_codes")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col(column).eq(value))
        .and_where(Expr::col("created_at").gte(since.0))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

const CODE_COLS: [&str; 10] = [
    "id",
    "org_id",
    "email",
    "code_hash",
    "code_enc",
    "lang",
    "created_at",
    "expires_at",
    "tries",
    "used_at",
];

/// The newest code of an address that can still be used.
pub async fn live_code(
    tx: &mut Tx,
    org: OrgId,
    email: &str,
    now: Timestamp,
    max_tries: i64,
) -> Result<Option<CodeRow>, StoreError> {
    let q = Query::select()
        .columns(CODE_COLS)
        .from("patron_codes")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("email").eq(email))
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("expires_at").gt(now.0))
        .and_where(Expr::col("tries").lt(max_tries))
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn code(tx: &mut Tx, id: i64) -> Result<Option<CodeRow>, StoreError> {
    let q = Query::select()
        .columns(CODE_COLS)
        .from("patron_codes")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Counts a wrong try (compare-free: the caller checked the code).
pub async fn wrong_try(tx: &mut Tx, id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table("patron_codes")
        .value("tries", Expr::col("tries").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Spends a code, once: `false` when another request spent it first.
pub async fn spend(tx: &mut Tx, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("patron_codes")
        .value("used_at", now.0)
        .value("code_enc", Option::<String>::None)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("used_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Forgets the readable copy of a code once it was e-mailed.
pub async fn forget_code_text(tx: &mut Tx, id: i64) -> Result<(), StoreError> {
    let q = Query::update()
        .table("patron_codes")
        .value("code_enc", Option::<String>::None)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Codes still usable and still readable (for the staff page when no e-mail
/// server is configured), newest first.
pub async fn readable_codes(
    tx: &mut Tx,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<CodeRow>, StoreError> {
    let q = Query::select()
        .columns(CODE_COLS)
        .from("patron_codes")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("code_enc").is_not_null())
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("expires_at").gt(now.0))
        .order_by("id", Order::Desc)
        .limit(50)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Housekeeping: codes older than a day are of no use to anyone.
pub async fn purge_codes(tx: &mut Tx, before: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table("patron_codes")
        .and_where(Expr::col("created_at").lt(before.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}

// Sessions -----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub org_id: i64,
    pub patron_id: i64,
    pub profile_id: Option<i64>,
    pub expires_at: i64,
}

pub async fn insert_session(
    tx: &mut Tx,
    org: OrgId,
    token_hash: &str,
    patron: i64,
    profile: Option<i64>,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("patron_sessions")
        .columns([
            "token_hash",
            "org_id",
            "patron_id",
            "profile_id",
            "created_at",
            "expires_at",
        ])
        .values_panic([
            token_hash.into(),
            org.0.into(),
            patron.into(),
            profile.into(),
            now.0.into(),
            expires_at.0.into(),
        ])
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn session(
    tx: &mut Tx,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionRow>, StoreError> {
    let q = Query::select()
        .columns(["org_id", "patron_id", "profile_id", "expires_at"])
        .from("patron_sessions")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .and_where(Expr::col("expires_at").gt(now.0))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn set_session_profile(
    tx: &mut Tx,
    token_hash: &str,
    profile: Option<i64>,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table("patron_sessions")
        .value("profile_id", profile)
        .and_where(Expr::col("token_hash").eq(token_hash))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> Result<(), StoreError> {
    let q = Query::delete()
        .from_table("patron_sessions")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

// Consents -----------------------------------------------------------------

pub async fn insert_consent(
    tx: &mut Tx,
    org: OrgId,
    patron: i64,
    profile: Option<i64>,
    purpose: &str,
    version: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("patron_consents")
        .columns([
            "org_id",
            "patron_id",
            "profile_id",
            "purpose",
            "version",
            "given_at",
        ])
        .values_panic([
            org.0.into(),
            patron.into(),
            profile.into(),
            purpose.into(),
            version.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    first_id(tx, &q).await
}

/// Every consent of an account (current and withdrawn), oldest first.
pub async fn consents(tx: &mut Tx, org: OrgId, patron: i64) -> Result<Vec<Consent>, StoreError> {
    let q = Query::select()
        .columns([
            "id",
            "profile_id",
            "purpose",
            "version",
            "given_at",
            "withdrawn_at",
        ])
        .from("patron_consents")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("patron_id").eq(patron))
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Withdraws the current consents of a purpose (for one profile, or the
/// account's own when `profile` is `None`).
pub async fn withdraw(
    tx: &mut Tx,
    org: OrgId,
    patron: i64,
    profile: Option<i64>,
    purpose: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut q = Query::update();
    q.table("patron_consents")
        .value("withdrawn_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("patron_id").eq(patron))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("withdrawn_at").is_null());
    match profile {
        Some(p) => q.and_where(Expr::col("profile_id").eq(p)),
        None => q.and_where(Expr::col("profile_id").is_null()),
    };
    Ok(tx.exec(&q).await?)
}

/// Housekeeping: sessions past their end.
pub async fn purge_sessions(tx: &mut Tx, now: Timestamp) -> Result<u64, StoreError> {
    let q = Query::delete()
        .from_table("patron_sessions")
        .and_where(Expr::col("expires_at").lte(now.0))
        .to_owned();
    Ok(tx.exec(&q).await?)
}
