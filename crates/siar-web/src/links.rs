//! Short links: the console page ("Tautan pendek"), one link's clicks and QR
//! code, and the public redirect `/l/{code}`.

use crate::WebState;
use crate::ctx::PageCtx;
use crate::error::{ErrorKind, WebError, WebResult};
use crate::i18n;
use crate::middleware::{ClientIp, RequestId, unprocessable};
use crate::pages::{Me, done, page, problems_ctx, staff_ctx};
use crate::publishing::file_response;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Extension, Form};
use siar_app::{AppError, channels, links};
use siar_domain::links::LinkRequest;
use siar_domain::org::Permission;
use std::collections::HashMap;

pub struct LinkRow {
    pub id: i64,
    pub short_url: String,
    pub target: String,
    pub label: String,
    pub clicks: i64,
    pub when: String,
    pub campaign: Option<String>,
}

/// What was typed in the form (it comes back as typed when refused).
#[derive(Default)]
pub struct LinkForm {
    pub target: String,
    pub label: String,
    pub code: String,
    pub campaign: String,
    pub channel: String,
}

pub struct ChannelChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "links.html")]
struct LinksPage<'a> {
    c: &'a PageCtx,
    rows: Vec<LinkRow>,
    can_make: bool,
    form: LinkForm,
    channels: Vec<ChannelChoice>,
}

async fn links_page(
    state: &WebState,
    me: &Me,
    c: &PageCtx,
    form: LinkForm,
) -> Result<String, WebError> {
    let actor = &me.0.actor;
    let tz = me.0.org.settings.timezone;
    let rows = links::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|(l, clicks)| LinkRow {
            id: l.id,
            short_url: links::public_url(&state.app, &l),
            target: l.target,
            label: l.label,
            clicks,
            when: format!(
                "{} {}",
                l.created_at.format_in(tz),
                siar_domain::time::zone_label(tz)
            ),
            campaign: l.campaign,
        })
        .collect();
    let channels = channels::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|ch| ChannelChoice {
            id: ch.id.to_string(),
            selected: form.channel == ch.id.to_string(),
            name: format!(
                "{} · {}",
                i18n::t(c.lang, ch.platform.name_key()),
                ch.handle
            ),
        })
        .collect();
    Ok(LinksPage {
        c,
        rows,
        can_make: actor.role.can(Permission::MakeLinks),
        form,
        channels,
    }
    .render()?)
}

pub async fn list(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (c, had) = staff_ctx(&me, "links-title", "/app/links", &headers, &r);
    Ok(crate::pages::html_page(
        links_page(&state, &me, &c, LinkForm::default()).await?,
        had,
        &state,
    ))
}

pub async fn create(
    State(state): State<WebState>,
    me: Me,
    r: Option<Extension<RequestId>>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let form = LinkForm {
        target: get("target"),
        label: get("label"),
        code: get("code"),
        campaign: get("campaign"),
        channel: get("channel"),
    };
    // A channel that is not a number is as unknown as one that does not exist.
    let channel = match form.channel.trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::field("channel", "err-unknown-channel")),
    };
    let req = LinkRequest {
        target: form.target.clone(),
        label: form.label.clone(),
        code: form.code.clone(),
        campaign: form.campaign.clone(),
    };
    let made = match channel {
        Ok(channel) => links::create(&state.app, &me.0.actor, &req, channel).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(l) => Ok(done(
            &state,
            &format!("/app/links/{}", l.id),
            "links-created",
        )),
        Err(AppError::Invalid(p)) => {
            let c = problems_ctx(&me, "links-title", "/app/links", &r, p);
            Ok(unprocessable(links_page(&state, &me, &c, form).await?))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "link.html")]
struct LinkPage<'a> {
    c: &'a PageCtx,
    id: i64,
    in_bio: bool,
    can_publish: bool,
    short_url: String,
    target: String,
    label: String,
    campaign: Option<String>,
    clicks: i64,
    visitors: i64,
    bots: i64,
    devices: Vec<(String, i64)>,
    days: Vec<(String, i64)>,
}

pub async fn detail(
    State(state): State<WebState>,
    me: Me,
    headers: HeaderMap,
    r: Option<Extension<RequestId>>,
    Path(id): Path<i64>,
) -> WebResult {
    let actor = &me.0.actor;
    let l = links::get(&state.app, actor, id).await?;
    let s = links::stats(&state.app, actor, id, 28).await?;
    let (c, had) = staff_ctx(&me, "link-title", "/app/links", &headers, &r);
    page(
        &LinkPage {
            c: &c,
            id: l.id,
            in_bio: l.in_bio,
            can_publish: actor.role.can(Permission::Publish),
            short_url: links::public_url(&state.app, &l),
            target: l.target,
            label: l.label,
            campaign: l.campaign,
            clicks: s.clicks,
            visitors: s.visitors,
            bots: s.bots,
            devices: s
                .by_device
                .iter()
                .map(|(d, n)| (i18n::t(c.lang, d.label_key()), *n))
                .collect(),
            days: s.by_day,
        },
        had,
        &state,
    )
}

pub async fn qr_png(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let png = links::qr_png(&state.app, &me.0.actor, id).await?;
    Ok(file_response(
        "image/png".into(),
        png,
        "private, max-age=3600",
    ))
}

pub async fn qr_svg(State(state): State<WebState>, me: Me, Path(id): Path<i64>) -> WebResult {
    let svg = links::qr_svg(&state.app, &me.0.actor, id).await?;
    let mut r = file_response(
        "image/svg+xml".into(),
        svg.into_bytes(),
        "private, max-age=3600",
    );
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"qr.svg\""),
    );
    Ok(r)
}

/// `/l/{code}`: on to the target (302, never cached, so every click counts).
pub async fn follow(
    State(state): State<WebState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    ip: Option<Extension<ClientIp>>,
) -> WebResult {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let address = ip.and_then(|Extension(ClientIp(a))| a).unwrap_or_default();
    match links::follow(&state.app, &code, &address, ua).await? {
        Some(target) => {
            let loc = HeaderValue::from_str(&target).map_err(|_| WebError(ErrorKind::NotFound))?;
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, loc);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            );
            // A link to our own portal remembers what brought the visitor, so
            // a vote or sign-up there can be credited to the post (7 days).
            let base = state.app.config.public_url.trim_end_matches('/');
            if target.starts_with(&format!("{base}/")) {
                r.headers_mut().append(
                    header::SET_COOKIE,
                    crate::middleware::set_cookie(
                        crate::portal::SOURCE_COOKIE,
                        &code,
                        Some(7 * 86_400),
                        state.config.secure_cookies,
                    ),
                );
            }
            Ok(r)
        }
        None => Err(WebError(ErrorKind::NotFound)),
    }
}

pub async fn set_bio(
    State(state): State<WebState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult {
    let on = f.get("on").map(String::as_str) == Some("1");
    links::set_in_bio(&state.app, &me.0.actor, id, on).await?;
    Ok(done(
        &state,
        &format!("/app/links/{id}"),
        if on {
            "link-bio-added"
        } else {
            "link-bio-removed"
        },
    ))
}

pub struct BioLink {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "tautan.html")]
struct BioPage<'a> {
    c: &'a PageCtx,
    links: Vec<BioLink>,
}

/// `/tautan`: the library's link-in-bio page (for the Instagram profile). Each
/// entry goes through its short link, so taps are counted.
pub async fn bio(
    State(state): State<WebState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<crate::pages::LangQuery>,
    r: Option<Extension<RequestId>>,
) -> WebResult {
    let (org, list) = links::bio(&state.app, state.config.portal_org.as_deref()).await?;
    let (lang, set) = crate::pages::public_lang(&headers, &q, org.settings.default_lang);
    let mut c = PageCtx::public(
        lang,
        "bio-title",
        org.settings.name.clone(),
        String::new(),
        crate::pages::rid(&r),
    );
    c.logo_url = crate::ctx::logo_url(&org.slug, &org);
    let links = list
        .into_iter()
        .map(|l| BioLink {
            href: format!("/l/{}", l.code),
            text: if l.label.is_empty() {
                url::Url::parse(&l.target)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default()
            } else {
                l.label
            },
        })
        .collect();
    let mut res = axum::response::Html(BioPage { c: &c, links }.render()?).into_response();
    if let Some(v) = set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
