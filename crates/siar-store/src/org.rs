//! Organisations and their staff accounts.

use crate::db::{StoreError, Tx};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use siar_domain::Timestamp;
use siar_domain::org::{
    Holiday, Lang, OpeningHours, OrgId, OrgSettings, Organisation, Role, Staff, StaffEdit, UserId,
};

#[derive(Iden, Clone, Copy)]
pub(crate) enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    Timezone,
    DefaultLang,
    OpeningHours,
    Holidays,
    LogoType,
    Logo,
    LogoVersion,
    RequireAlt,
    CreatedAt,
    UpdatedAt,
}

const ORG_COLS: [Organisations; 12] = [
    Organisations::Id,
    Organisations::Slug,
    Organisations::Name,
    Organisations::Timezone,
    Organisations::DefaultLang,
    Organisations::OpeningHours,
    Organisations::Holidays,
    Organisations::LogoType,
    Organisations::LogoVersion,
    Organisations::RequireAlt,
    Organisations::CreatedAt,
    Organisations::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    slug: String,
    name: String,
    timezone: String,
    default_lang: String,
    opening_hours: String,
    holidays: String,
    logo_type: Option<String>,
    logo_version: i64,
    require_alt: bool,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("organisation {}: {what}", r.id));
        let hours: OpeningHours =
            serde_json::from_str(&r.opening_hours).map_err(|_| corrupt("opening hours"))?;
        let holidays: Vec<Holiday> =
            serde_json::from_str(&r.holidays).map_err(|_| corrupt("holidays"))?;
        Ok(Organisation {
            id: OrgId(r.id),
            slug: r.slug,
            settings: OrgSettings {
                name: r.name,
                timezone: r.timezone.parse().map_err(|_| corrupt("time zone"))?,
                default_lang: Lang::parse(&r.default_lang).ok_or_else(|| corrupt("language"))?,
                opening_hours: hours,
                holidays,
                require_alt: r.require_alt,
            },
            logo_type: r.logo_type,
            logo_version: r.logo_version,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

fn settings_values(s: &OrgSettings) -> Result<[sea_query::SimpleExpr; 6], StoreError> {
    let json = |v: serde_json::Result<String>| {
        v.map_err(|e| StoreError::Corrupt(format!("cannot encode settings: {e}")))
    };
    Ok([
        s.name.clone().into(),
        s.timezone.name().into(),
        s.default_lang.code().into(),
        json(serde_json::to_string(&s.opening_hours))?.into(),
        json(serde_json::to_string(&s.holidays))?.into(),
        s.require_alt.into(),
    ])
}

/// A write aimed at one row: zero rows touched means it was not there (or belongs to
/// another organisation).
fn one_row(n: u64) -> Result<(), StoreError> {
    match n {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

fn org_select() -> sea_query::SelectStatement {
    Query::select()
        .columns(ORG_COLS)
        .from(Organisations::Table)
        .to_owned()
}

pub async fn insert_org(
    tx: &mut Tx,
    slug: &str,
    settings: &OrgSettings,
    now: Timestamp,
) -> Result<Organisation, StoreError> {
    let [name, tz, lang, hours, holidays, alt] = settings_values(settings)?;
    let q = Query::insert()
        .into_table(Organisations::Table)
        .columns([
            Organisations::Slug,
            Organisations::Name,
            Organisations::Timezone,
            Organisations::DefaultLang,
            Organisations::OpeningHours,
            Organisations::Holidays,
            Organisations::RequireAlt,
            Organisations::CreatedAt,
            Organisations::UpdatedAt,
        ])
        .values_panic([
            slug.into(),
            name,
            tz,
            lang,
            hours,
            holidays,
            alt,
            now.0.into(),
            now.0.into(),
        ])
        .returning(Query::returning().columns(ORG_COLS))
        .to_owned();
    let row: OrgRow = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "slug"))?
        .ok_or(StoreError::NotFound)?;
    row.try_into()
}

pub async fn org_by_slug(tx: &mut Tx, slug: &str) -> Result<Option<Organisation>, StoreError> {
    let q = org_select()
        .and_where(Expr::col(Organisations::Slug).eq(slug))
        .to_owned();
    tx.fetch_optional::<OrgRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

pub async fn org_by_id(tx: &mut Tx, id: OrgId) -> Result<Option<Organisation>, StoreError> {
    let q = org_select()
        .and_where(Expr::col(Organisations::Id).eq(id.0))
        .to_owned();
    tx.fetch_optional::<OrgRow, _>(&q)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Every organisation, oldest first (deployment-wide: for the CLI and housekeeping).
pub async fn all_orgs(tx: &mut Tx) -> Result<Vec<Organisation>, StoreError> {
    let q = org_select()
        .order_by(Organisations::Id, Order::Asc)
        .to_owned();
    tx.fetch_all::<OrgRow, _>(&q)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

pub async fn update_settings(
    tx: &mut Tx,
    id: OrgId,
    settings: &OrgSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    let [name, tz, lang, hours, holidays, alt] = settings_values(settings)?;
    let q = Query::update()
        .table(Organisations::Table)
        .values([
            (Organisations::Name, name),
            (Organisations::Timezone, tz),
            (Organisations::DefaultLang, lang),
            (Organisations::OpeningHours, hours),
            (Organisations::Holidays, holidays),
            (Organisations::RequireAlt, alt),
            (Organisations::UpdatedAt, now.0.into()),
        ])
        .and_where(Expr::col(Organisations::Id).eq(id.0))
        .to_owned();
    one_row(tx.exec(&q).await?)
}

pub async fn set_logo(
    tx: &mut Tx,
    id: OrgId,
    content_type: &str,
    bytes: Vec<u8>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Organisations::Table)
        .values([
            (Organisations::LogoType, content_type.into()),
            (Organisations::Logo, bytes.into()),
            (Organisations::UpdatedAt, now.0.into()),
        ])
        .value(
            Organisations::LogoVersion,
            Expr::col(Organisations::LogoVersion).add(1),
        )
        .and_where(Expr::col(Organisations::Id).eq(id.0))
        .to_owned();
    one_row(tx.exec(&q).await?)
}

#[derive(sqlx::FromRow)]
struct LogoRow {
    logo_type: Option<String>,
    logo: Option<Vec<u8>>,
}

/// The logo's content type and bytes, if one was uploaded.
pub async fn logo(tx: &mut Tx, id: OrgId) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let q = Query::select()
        .columns([Organisations::LogoType, Organisations::Logo])
        .from(Organisations::Table)
        .and_where(Expr::col(Organisations::Id).eq(id.0))
        .to_owned();
    Ok(tx
        .fetch_optional::<LogoRow, _>(&q)
        .await?
        .and_then(|r| r.logo_type.zip(r.logo)))
}

#[derive(Iden, Clone, Copy)]
pub(crate) enum Users {
    Table,
    Id,
    OrgId,
    Email,
    Name,
    Role,
    PasswordHash,
    Active,
    Lang,
    CreatedAt,
    UpdatedAt,
}

const USER_COLS: [Users; 10] = [
    Users::Id,
    Users::OrgId,
    Users::Email,
    Users::Name,
    Users::Role,
    Users::PasswordHash,
    Users::Active,
    Users::Lang,
    Users::CreatedAt,
    Users::UpdatedAt,
];

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    org_id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    active: bool,
    lang: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl UserRow {
    fn split(self) -> Result<(Staff, String), StoreError> {
        let role: Role = self
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("user {}: role", self.id)))?;
        Ok((
            Staff {
                id: UserId(self.id),
                org_id: OrgId(self.org_id),
                email: self.email,
                name: self.name,
                role,
                active: self.active,
                lang: self.lang.as_deref().and_then(Lang::parse),
                created_at: Timestamp(self.created_at),
                updated_at: Timestamp(self.updated_at),
            },
            self.password_hash,
        ))
    }
}

fn user_select() -> sea_query::SelectStatement {
    Query::select()
        .columns(USER_COLS)
        .from(Users::Table)
        .to_owned()
}

/// A staff account to insert; the e-mail must already be normalised.
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

pub async fn insert_user(
    tx: &mut Tx,
    org: OrgId,
    u: &NewUser<'_>,
    now: Timestamp,
) -> Result<Staff, StoreError> {
    let q = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::OrgId,
            Users::Email,
            Users::Name,
            Users::Role,
            Users::PasswordHash,
            Users::Active,
            Users::CreatedAt,
            Users::UpdatedAt,
        ])
        .values_panic([
            org.0.into(),
            u.email.into(),
            u.name.into(),
            u.role.as_str().into(),
            u.password_hash.into(),
            true.into(),
            now.0.into(),
            now.0.into(),
        ])
        .returning(Query::returning().columns(USER_COLS))
        .to_owned();
    let row: UserRow = tx
        .fetch_optional(&q)
        .await
        .map_err(|e| StoreError::from_write(e, "email"))?
        .ok_or(StoreError::NotFound)?;
    Ok(row.split()?.0)
}

/// Looks a staff member up by e-mail across the deployment (for sign-in: an e-mail
/// belongs to one organisation). Returns the password hash too.
pub async fn user_for_login(
    tx: &mut Tx,
    email: &str,
) -> Result<Option<(Staff, String)>, StoreError> {
    let q = user_select()
        .and_where(Expr::col(Users::Email).eq(email))
        .to_owned();
    tx.fetch_optional::<UserRow, _>(&q)
        .await?
        .map(UserRow::split)
        .transpose()
}

/// One account of `org` matching `cond`, with its password hash.
async fn find_user(
    tx: &mut Tx,
    org: OrgId,
    cond: sea_query::SimpleExpr,
) -> Result<Option<(Staff, String)>, StoreError> {
    let q = user_select()
        .and_where(Expr::col(Users::OrgId).eq(org.0))
        .and_where(cond)
        .to_owned();
    tx.fetch_optional::<UserRow, _>(&q)
        .await?
        .map(UserRow::split)
        .transpose()
}

/// The stored password hash of one account in `org`.
pub async fn password_hash(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
) -> Result<Option<String>, StoreError> {
    Ok(find_user(tx, org, Expr::col(Users::Id).eq(id.0))
        .await?
        .map(|(_, h)| h))
}

pub async fn user(tx: &mut Tx, org: OrgId, id: UserId) -> Result<Option<Staff>, StoreError> {
    Ok(find_user(tx, org, Expr::col(Users::Id).eq(id.0))
        .await?
        .map(|(s, _)| s))
}

pub async fn user_by_email(
    tx: &mut Tx,
    org: OrgId,
    email: &str,
) -> Result<Option<Staff>, StoreError> {
    Ok(find_user(tx, org, Expr::col(Users::Email).eq(email))
        .await?
        .map(|(s, _)| s))
}

/// The organisation's staff, active first, then by name.
pub async fn users(tx: &mut Tx, org: OrgId) -> Result<Vec<Staff>, StoreError> {
    let q = user_select()
        .and_where(Expr::col(Users::OrgId).eq(org.0))
        .order_by(Users::Active, Order::Desc)
        .order_by(Users::Name, Order::Asc)
        .to_owned();
    tx.fetch_all::<UserRow, _>(&q)
        .await?
        .into_iter()
        .map(|r| r.split().map(|(s, _)| s))
        .collect()
}

/// Updates one account of `org`, stamping `updated_at`.
async fn update_one_user(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    values: Vec<(Users, sea_query::SimpleExpr)>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::update()
        .table(Users::Table)
        .values(values)
        .value(Users::UpdatedAt, now.0)
        .and_where(Expr::col(Users::OrgId).eq(org.0))
        .and_where(Expr::col(Users::Id).eq(id.0))
        .to_owned();
    one_row(tx.exec(&q).await?)
}

pub async fn update_user(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    edit: &StaffEdit,
    now: Timestamp,
) -> Result<(), StoreError> {
    let values = vec![
        (Users::Name, edit.name.clone().into()),
        (Users::Role, edit.role.as_str().into()),
        (Users::Active, edit.active.into()),
    ];
    update_one_user(tx, org, id, values, now).await
}

pub async fn set_lang(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    lang: Lang,
    now: Timestamp,
) -> Result<(), StoreError> {
    update_one_user(tx, org, id, vec![(Users::Lang, lang.code().into())], now).await
}

pub async fn set_password_hash(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    update_one_user(tx, org, id, vec![(Users::PasswordHash, hash.into())], now).await
}

/// How many active admins the organisation has (the last one cannot be removed).
pub async fn active_admins(tx: &mut Tx, org: OrgId) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(Users::Id).count(), "n")
        .from(Users::Table)
        .and_where(Expr::col(Users::OrgId).eq(org.0))
        .and_where(Expr::col(Users::Role).eq(Role::Admin.as_str()))
        .and_where(Expr::col(Users::Active).eq(true))
        .to_owned();
    Ok(tx.fetch_one::<crate::db::Count, _>(&q).await?.n)
}
