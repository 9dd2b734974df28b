//! The JSON API (`/api/v1`): posts with their deliveries, channels, and
//! validation for live counters. Bearer tokens from `siar admin api-token`;
//! each token carries a role, which scopes what it may do. Errors are JSON with
//! a stable `code` and a `message` in the caller's language
//! (`Accept-Language: id` or `en`; Indonesian by default).

use crate::WebState;
use crate::i18n;
use crate::middleware::RequestId;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use siar_app::channels::{self, BlueskyInput};
use siar_app::publishing::{self, DeliveryView, PostInput, PostView, Report, VariantInput};
use siar_app::{Actor, AppError};
use siar_domain::Timestamp;
use siar_domain::channels::{Channel, Platform};
use siar_domain::org::{Lang, Permission};
use std::collections::HashMap;
use utoipa::{OpenApi, ToSchema};

/// The caller, established from the bearer token by [`auth`].
#[derive(Clone)]
pub struct ApiActor(pub Actor);

/// An API error: a stable code, a message, and details where they help.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable: `unauthorized`, `forbidden`, `not_found`, `invalid_body`,
    /// `validation_failed`, `post_refused`, `internal`.
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ApiProblem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ValidationOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    error: ApiError,
}

pub struct Failure(StatusCode, Box<ApiError>);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, axum::Json(ErrorBody { error: *self.1 })).into_response()
    }
}

fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start().to_ascii_lowercase())
        .filter(|v| v.starts_with("en"))
        .map(|_| Lang::En)
        .unwrap_or(Lang::Id)
}

fn fail(lang: Lang, status: StatusCode, code: &'static str, key: &str) -> Failure {
    Failure(
        status,
        Box::new(ApiError {
            code,
            message: i18n::t(lang, key),
            request_id: None,
            problems: vec![],
            report: None,
        }),
    )
}

fn from_app(lang: Lang, e: AppError) -> Failure {
    match e {
        AppError::NotFound => fail(lang, StatusCode::NOT_FOUND, "not_found", "api-not-found"),
        AppError::Forbidden => fail(lang, StatusCode::FORBIDDEN, "forbidden", "api-forbidden"),
        AppError::Invalid(p) => {
            let mut f = fail(
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "api-validation-failed",
            );
            f.1.problems = problems(lang, &p);
            f
        }
        AppError::PostRefused(r) => {
            let mut f = fail(
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                "post_refused",
                "api-post-refused",
            );
            f.1.problems = problems(lang, &r.problems);
            f.1.report = Some(validation_out(lang, &r));
            f
        }
        other => {
            tracing::error!("API request failed: {other}");
            fail(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "api-internal",
            )
        }
    }
}

fn problems(lang: Lang, p: &siar_domain::validate::Problems) -> Vec<ApiProblem> {
    p.0.iter()
        .map(|e| ApiProblem {
            field: e.field.into(),
            code: e.key.into(),
            message: match e.max {
                Some(m) => i18n::t_args(lang, e.key, &[("max", m.to_string())]),
                None => i18n::t(lang, e.key),
            },
        })
        .collect()
}

/// Bearer-token authentication for `/api/v1`. The token's role must hold the
/// route's permission.
pub async fn auth(
    State((state, perm)): State<(WebState, Permission)>,
    mut req: Request,
    next: Next,
) -> Response {
    let lang = lang_of(req.headers());
    let rid = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let actor = match token {
        None => None,
        Some(t) => match siar_app::tokens::authenticate(&state.app, &t).await {
            Ok(a) => a,
            Err(e) => {
                let mut f = from_app(lang, e);
                f.1.request_id = rid;
                return f.into_response();
            }
        },
    };
    let Some(actor) = actor else {
        let mut f = fail(
            lang,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "api-unauthorized",
        );
        f.1.request_id = rid;
        let mut r = f.into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer realm=\"siar\""),
        );
        return r;
    };
    if !actor.role.can(perm) {
        let mut f = fail(lang, StatusCode::FORBIDDEN, "forbidden", "api-forbidden");
        f.1.request_id = rid;
        return f.into_response();
    }
    req.extensions_mut().insert(ApiActor(actor));
    next.run(req).await
}

/// Parses a JSON body, turning wrong types into `invalid_body` with serde's
/// own explanation (which names the field and the expected type).
fn body<T: for<'de> Deserialize<'de>>(lang: Lang, bytes: &Bytes) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|e| {
        let mut f = fail(
            lang,
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "api-invalid-body",
        );
        f.1.problems.push(ApiProblem {
            field: String::new(),
            code: "invalid_body".into(),
            message: e.to_string(),
        });
        f
    })
}

// ---------------------------------------------------------------- types

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelOut {
    pub id: i64,
    /// `facebook`, `instagram`, `x`, `youtube`, `bluesky`, `mastodon`, `practice`.
    pub platform: String,
    pub name: String,
    pub handle: String,
    /// `connected`, `needs_reconnect`, `paused`, `disconnected`.
    pub status: String,
    /// The platform's own words when it refused Siar.
    pub status_reason: Option<String>,
    /// RFC 3339.
    pub token_expires_at: Option<String>,
}

fn channel_out(c: &Channel) -> ChannelOut {
    ChannelOut {
        id: c.id,
        platform: c.platform.as_str().into(),
        name: c.name.clone(),
        handle: c.handle.clone(),
        status: c.status.as_str().into(),
        status_reason: c.status_reason.clone(),
        token_expires_at: c.token_expires_at.map(|t| t.rfc3339()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: i64,
    pub channel_id: i64,
    pub platform: String,
    /// `scheduled`, `publishing`, `published`, `failed`, `needs_attention`,
    /// `waiting`, `cancelled`.
    pub state: String,
    pub text: String,
    pub publish_at: String,
    pub published_at: Option<String>,
    pub remote_id: Option<String>,
    pub permalink: Option<String>,
    /// Why it failed or waits, in the caller's language.
    pub reason: Option<String>,
    /// The platform's original words.
    pub platform_message: Option<String>,
    pub attempts: u32,
}

fn delivery_out(lang: Lang, d: &DeliveryView) -> DeliveryOut {
    let x = &d.delivery;
    DeliveryOut {
        id: x.id,
        channel_id: x.channel_id,
        platform: d.channel.platform.as_str().into(),
        state: x.state.as_str().into(),
        text: x.text.clone(),
        publish_at: x.publish_at.rfc3339(),
        published_at: x.published_at.map(|t| t.rfc3339()),
        remote_id: x.remote_id.clone(),
        permalink: x.permalink.clone(),
        reason: x.error_key.as_deref().map(|k| i18n::t(lang, k)),
        platform_message: x.error_detail.clone(),
        attempts: x.attempts,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostOut {
    pub id: i64,
    pub text: String,
    pub title: Option<String>,
    pub publish_at: String,
    pub created_at: String,
    pub media: Vec<i64>,
    pub deliveries: Vec<DeliveryOut>,
}

fn post_out(lang: Lang, v: &PostView) -> PostOut {
    PostOut {
        id: v.post.id,
        text: v.post.text.clone(),
        title: v.post.title.clone(),
        publish_at: v.post.publish_at.rfc3339(),
        created_at: v.post.created_at.rfc3339(),
        media: v
            .deliveries
            .first()
            .map(|d| d.delivery.media.clone())
            .unwrap_or_default(),
        deliveries: v.deliveries.iter().map(|d| delivery_out(lang, d)).collect(),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantIn {
    pub text: Option<String>,
    pub title: Option<String>,
}

/// A post to schedule (or check). Omit `publish_at` to publish now.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostIn {
    pub text: String,
    #[serde(default)]
    pub title: Option<String>,
    pub channels: Vec<i64>,
    /// Per-channel text or title, keyed by channel id.
    #[serde(default)]
    pub variants: HashMap<String, VariantIn>,
    #[serde(default)]
    pub media: Vec<i64>,
    /// RFC 3339, e.g. `2026-12-01T09:00:00+07:00`.
    #[serde(default)]
    pub publish_at: Option<String>,
}

/// Changes to a post that has not gone out; every field optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostPatch {
    pub text: Option<String>,
    pub title: Option<String>,
    pub variants: Option<HashMap<String, VariantIn>>,
    pub media: Option<Vec<i64>>,
    pub publish_at: Option<String>,
}

fn parse_time(lang: Lang, s: Option<&str>) -> Result<Option<Timestamp>, Failure> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(Timestamp(t.timestamp_millis())))
            .map_err(|_| {
                let mut f = fail(
                    lang,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "api-validation-failed",
                );
                f.1.problems.push(ApiProblem {
                    field: "publish_at".into(),
                    code: "err-rfc3339".into(),
                    message: i18n::t(lang, "err-rfc3339"),
                });
                f
            }),
    }
}

fn variants(
    lang: Lang,
    v: HashMap<String, VariantIn>,
) -> Result<HashMap<i64, VariantInput>, Failure> {
    v.into_iter()
        .map(|(k, x)| {
            let id = k.parse::<i64>().map_err(|_| {
                let mut f = fail(
                    lang,
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "api-invalid-body",
                );
                f.1.problems.push(ApiProblem {
                    field: "variants".into(),
                    code: "invalid_body".into(),
                    message: format!("variants: `{k}` is not a channel id"),
                });
                f
            })?;
            Ok((
                id,
                VariantInput {
                    text: x.text,
                    title: x.title,
                },
            ))
        })
        .collect()
}

fn post_input(lang: Lang, p: PostIn) -> Result<PostInput, Failure> {
    Ok(PostInput {
        publish_at: parse_time(lang, p.publish_at.as_deref())?,
        text: p.text,
        title: p.title,
        channels: p.channels,
        variants: variants(lang, p.variants)?,
        media: p.media,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueOut {
    pub field: String,
    /// Stable rule code, e.g. `rule-text-too-long`.
    pub code: String,
    pub message: String,
    /// 1-based attachment number, for media rules.
    pub item: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelCheckOut {
    pub channel_id: i64,
    pub platform: String,
    /// The text's length as the platform counts it.
    pub counted: usize,
    pub limit: usize,
    pub issues: Vec<IssueOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationOut {
    /// True when the post can be scheduled as it is.
    pub ok: bool,
    pub problems: Vec<ApiProblem>,
    pub channels: Vec<ChannelCheckOut>,
}

fn validation_out(lang: Lang, r: &Report) -> ValidationOut {
    ValidationOut {
        ok: r.is_ok(),
        problems: problems(lang, &r.problems),
        channels: r
            .channels
            .iter()
            .map(|c| {
                let mut issues: Vec<IssueOut> = c
                    .check
                    .issues
                    .iter()
                    .map(|i| IssueOut {
                        field: i.field.into(),
                        code: i.key.into(),
                        message: crate::publishing::issue_text(lang, c.channel.platform, i),
                        item: i.item,
                    })
                    .collect();
                if let Some(k) = c.channel_problem {
                    issues.insert(
                        0,
                        IssueOut {
                            field: "channels".into(),
                            code: k.into(),
                            message: i18n::t_args(
                                lang,
                                k,
                                &[("platform", i18n::t(lang, c.channel.platform.name_key()))],
                            ),
                            item: None,
                        },
                    );
                }
                ChannelCheckOut {
                    channel_id: c.channel.id,
                    platform: c.channel.platform.as_str().into(),
                    counted: c.check.counted,
                    limit: c.check.limit,
                    issues,
                }
            })
            .collect(),
    }
}

// ---------------------------------------------------------------- handlers

pub type ApiResult = Result<Response, Failure>;

fn json<T: Serialize>(status: StatusCode, v: &T) -> ApiResult {
    Ok((status, axum::Json(v)).into_response())
}

/// Every channel of the organisation.
#[utoipa::path(get, path = "/api/v1/channels", responses((status = 200, body = [ChannelOut]), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_channels(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
) -> ApiResult {
    let lang = lang_of(&headers);
    let list = channels::list(&state.app, &a.0)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(
        StatusCode::OK,
        &list.iter().map(channel_out).collect::<Vec<_>>(),
    )
}

/// A token-based channel to connect: Bluesky (handle, app password, PDS) or
/// the practice channel. OAuth platforms connect from the console.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelIn {
    pub platform: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub app_password: String,
    #[serde(default)]
    pub pds: String,
}

#[utoipa::path(post, path = "/api/v1/channels", request_body = ChannelIn, responses((status = 201, body = ChannelOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_channel(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let lang = lang_of(&headers);
    let input: ChannelIn = body(lang, &bytes)?;
    let Some(platform) = Platform::parse(&input.platform) else {
        return Err(from_app(
            lang,
            AppError::field("platform", "err-unknown-platform"),
        ));
    };
    let id = channels::connect_by_api(
        &state.app,
        &a.0,
        platform,
        &BlueskyInput {
            handle: input.handle,
            app_password: input.app_password,
            pds: input.pds,
        },
    )
    .await
    .map_err(|e| from_app(lang, e))?;
    let c = channels::get(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(StatusCode::CREATED, &channel_out(&c))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// At most 100 (default 20).
    limit: Option<u64>,
    /// Posts older than this id (paging).
    before: Option<i64>,
}

/// Posts, newest first, with their deliveries.
#[utoipa::path(get, path = "/api/v1/posts", params(ListQuery), responses((status = 200, body = [PostOut])), security(("bearer" = [])))]
pub async fn list_posts(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let lang = lang_of(&headers);
    let v = publishing::list(&state.app, &a.0, q.limit.unwrap_or(20), q.before)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(
        StatusCode::OK,
        &v.iter().map(|p| post_out(lang, p)).collect::<Vec<_>>(),
    )
}

/// Schedules a post: a delivery per channel. Nothing is saved when any
/// channel's rule is broken (`post_refused`, with the per-channel report).
#[utoipa::path(post, path = "/api/v1/posts", request_body = PostIn, responses((status = 201, body = PostOut), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_post(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let lang = lang_of(&headers);
    let input = post_input(lang, body(lang, &bytes)?)?;
    let id = publishing::schedule(&state.app, &a.0, &input)
        .await
        .map_err(|e| from_app(lang, e))?;
    let v = publishing::get(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(StatusCode::CREATED, &post_out(lang, &v))
}

/// Checks a post against every chosen channel's rules, saving nothing: the
/// counted length, the limit and every problem per channel.
#[utoipa::path(post, path = "/api/v1/posts/validate", request_body = PostIn, responses((status = 200, body = ValidationOut), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn validate_post(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    let lang = lang_of(&headers);
    let input = post_input(lang, body(lang, &bytes)?)?;
    let r = publishing::validate(&state.app, &a.0, &input)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(StatusCode::OK, &validation_out(lang, &r))
}

/// One post with its deliveries.
#[utoipa::path(get, path = "/api/v1/posts/{id}", params(("id" = i64, Path)), responses((status = 200, body = PostOut), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_post(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    let lang = lang_of(&headers);
    let v = publishing::get(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(StatusCode::OK, &post_out(lang, &v))
}

/// Changes a post that has not started going out.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", params(("id" = i64, Path)), request_body = PostPatch, responses((status = 200, body = PostOut), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn patch_post(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> ApiResult {
    let lang = lang_of(&headers);
    let patch: PostPatch = body(lang, &bytes)?;
    let cur = publishing::get(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    let mut current_variants: HashMap<i64, VariantInput> = cur
        .deliveries
        .iter()
        .filter(|d| d.delivery.text != cur.post.text)
        .map(|d| {
            (
                d.delivery.channel_id,
                VariantInput {
                    text: Some(d.delivery.text.clone()),
                    title: None,
                },
            )
        })
        .collect();
    if let Some(v) = patch.variants {
        current_variants.extend(variants(lang, v)?);
    }
    let input = PostInput {
        text: patch.text.unwrap_or(cur.post.text.clone()),
        title: patch.title.or(cur.post.title.clone()),
        channels: cur
            .deliveries
            .iter()
            .map(|d| d.delivery.channel_id)
            .collect(),
        variants: current_variants,
        media: patch.media.unwrap_or_else(|| {
            cur.deliveries
                .first()
                .map(|d| d.delivery.media.clone())
                .unwrap_or_default()
        }),
        publish_at: parse_time(lang, patch.publish_at.as_deref())?,
    };
    publishing::update(&state.app, &a.0, id, &input)
        .await
        .map_err(|e| from_app(lang, e))?;
    let v = publishing::get(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    json(StatusCode::OK, &post_out(lang, &v))
}

/// Deletes a post and cancels what has not gone out (published posts stay on
/// the platforms).
#[utoipa::path(delete, path = "/api/v1/posts/{id}", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn delete_post(
    State(state): State<WebState>,
    Extension(a): Extension<ApiActor>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    let lang = lang_of(&headers);
    publishing::delete(&state.app, &a.0, id)
        .await
        .map_err(|e| from_app(lang, e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

struct BearerAddon;

impl utoipa::Modify for BearerAddon {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let comps = doc.components.get_or_insert_with(Default::default);
        comps.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Siar API", description = "Posts, deliveries and channels of one library. Tokens: `siar admin api-token`."),
    paths(list_channels, create_channel, list_posts, create_post, validate_post, get_post, patch_post, delete_post),
    components(schemas(ApiError, ApiProblem, ErrorBody, ChannelOut, ChannelIn, DeliveryOut, PostOut, PostIn, PostPatch, VariantIn, IssueOut, ChannelCheckOut, ValidationOut)),
    modifiers(&BearerAddon)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    axum::Json(doc).into_response()
}

/// Any other path under `/api`: JSON 404.
pub async fn not_found(headers: HeaderMap) -> Response {
    fail(
        lang_of(&headers),
        StatusCode::NOT_FOUND,
        "not_found",
        "api-not-found",
    )
    .into_response()
}
