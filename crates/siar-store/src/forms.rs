//! Quizzes and surveys: forms, their questions and options, responses and
//! answers. One response per respondent and one answer per question are
//! kept by unique keys, and a response is finished (and scored) by a
//! conditional update, so two requests at once cannot count twice.

use crate::db::{Count, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};
use siar_domain::Timestamp;
use siar_domain::forms::{FormFields, QuestionFields};
use siar_domain::org::{OrgId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Form {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub thanks: String,
    pub time_limit_secs: Option<i64>,
    pub points: i64,
    pub leaderboard: bool,
    pub allow_anonymous: bool,
    pub address_cap: i64,
    pub opens_at: Option<i64>,
    pub closes_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub link_code: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const FORM_COLS: [&str; 18] = [
    "id",
    "org_id",
    "kind",
    "slug",
    "title",
    "description",
    "thanks",
    "time_limit_secs",
    "points",
    "leaderboard",
    "allow_anonymous",
    "address_cap",
    "opens_at",
    "closes_at",
    "closed_at",
    "link_code",
    "created_at",
    "updated_at",
];

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub form_id: i64,
    pub position: i64,
    pub kind: String,
    pub prompt: String,
    pub help: String,
    pub explanation: String,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FormOption {
    pub id: i64,
    pub question_id: i64,
    pub position: i64,
    pub label: String,
    pub correct: bool,
    pub goto: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Response {
    pub id: i64,
    pub form_id: i64,
    pub respondent: String,
    pub profile_id: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub score: Option<i64>,
    pub out_of: Option<i64>,
    pub timed_out: bool,
}

const RESPONSE_COLS: [&str; 9] = [
    "id",
    "form_id",
    "respondent",
    "profile_id",
    "started_at",
    "finished_at",
    "score",
    "out_of",
    "timed_out",
];

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerRow {
    pub response_id: i64,
    pub question_id: i64,
    pub value: String,
    pub correct: Option<bool>,
}

fn settings(f: &FormFields) -> [(&'static str, sea_query::Value); 10] {
    [
        ("slug", f.slug.clone().into()),
        ("title", f.title.clone().into()),
        ("description", f.description.clone().into()),
        ("thanks", f.thanks.clone().into()),
        ("time_limit_secs", f.time_limit_secs.into()),
        ("points", f.points.into()),
        ("leaderboard", f.leaderboard.into()),
        ("allow_anonymous", f.allow_anonymous.into()),
        ("address_cap", f.address_cap.into()),
        ("closes_at", f.closes_at.map(|t| t.0).into()),
    ]
}

async fn returning_id(
    tx: &mut Tx,
    q: &sea_query::InsertStatement,
    subject: &str,
) -> Result<i64, StoreError> {
    match tx.fetch_ids(q).await {
        Ok(ids) => ids.first().copied().ok_or(StoreError::NotFound),
        Err(StoreError::Db(e)) => Err(StoreError::from_write(e, subject)),
        Err(e) => Err(e),
    }
}

/// A new form (a draft until published); `Conflict("slug")` when the address
/// is taken by another form of the same kind.
pub async fn insert_form(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    f: &FormFields,
    by: UserId,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let s = settings(f);
    let mut cols: Vec<&str> = vec!["org_id", "kind", "created_by", "created_at", "updated_at"];
    let mut vals: Vec<sea_query::SimpleExpr> = vec![
        org.0.into(),
        kind.into(),
        by.0.into(),
        now.0.into(),
        now.0.into(),
    ];
    for (c, v) in s {
        cols.push(c);
        vals.push(v.into());
    }
    let q = Query::insert()
        .into_table("forms")
        .columns(cols)
        .values_panic(vals)
        .returning_col("id")
        .to_owned();
    returning_id(tx, &q, "slug").await
}

/// Changes a form's settings; `Conflict("slug")` when the address is taken.
pub async fn update_form(
    tx: &mut Tx,
    org: OrgId,
    id: i64,
    f: &FormFields,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("forms");
    for (c, v) in settings(f) {
        q.value(c, v);
    }
    q.value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id));
    match tx.exec(&q).await {
        Ok(n) => Ok(n == 1),
        Err(e) => Err(StoreError::from_write(e, "slug")),
    }
}

pub async fn set_link_code(tx: &mut Tx, org: OrgId, id: i64, code: &str) -> Result<(), StoreError> {
    let q = Query::update()
        .table("forms")
        .value("link_code", code)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    Ok(())
}

/// Opens a draft to patrons (once).
pub async fn publish(tx: &mut Tx, org: OrgId, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("forms")
        .value("opens_at", now.0)
        .value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("opens_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Closes a form now (once).
pub async fn close(tx: &mut Tx, org: OrgId, id: i64, now: Timestamp) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("forms")
        .value("closed_at", now.0)
        .value("updated_at", now.0)
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("closed_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

pub async fn form(tx: &mut Tx, org: OrgId, id: i64) -> Result<Option<Form>, StoreError> {
    let q = Query::select()
        .columns(FORM_COLS)
        .from("forms")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

pub async fn form_by_slug(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    slug: &str,
) -> Result<Option<Form>, StoreError> {
    let q = Query::select()
        .columns(FORM_COLS)
        .from("forms")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("slug").eq(slug))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// The organisation's forms of a kind, newest first.
pub async fn forms(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
    limit: u64,
) -> Result<Vec<Form>, StoreError> {
    let q = Query::select()
        .columns(FORM_COLS)
        .from("forms")
        .and_where(Expr::col("org_id").eq(org.0))
        .and_where(Expr::col("kind").eq(kind))
        .order_by("created_at", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Responses started and finished per form of a kind (one query for a list).
pub async fn response_counts(
    tx: &mut Tx,
    org: OrgId,
    kind: &str,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        form_id: i64,
        started: i64,
        finished: i64,
    }
    let q = Query::select()
        .expr_as(Expr::col(("form_responses", "form_id")), "form_id")
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "started")
        .expr_as(
            Expr::cust("CAST(COUNT(form_responses.finished_at) AS BIGINT)"),
            "finished",
        )
        .from("form_responses")
        .inner_join(
            "forms",
            Expr::col(("forms", "id")).equals(("form_responses", "form_id")),
        )
        .and_where(Expr::col(("forms", "org_id")).eq(org.0))
        .and_where(Expr::col(("forms", "kind")).eq(kind))
        .group_by_col(("form_responses", "form_id"))
        .to_owned();
    let rows: Vec<Row> = tx.fetch_all(&q).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.form_id, r.started, r.finished))
        .collect())
}

pub async fn questions(tx: &mut Tx, form: i64) -> Result<Vec<Question>, StoreError> {
    let q = Query::select()
        .columns([
            "id",
            "form_id",
            "position",
            "kind",
            "prompt",
            "help",
            "explanation",
            "required",
        ])
        .from("form_questions")
        .and_where(Expr::col("form_id").eq(form))
        .order_by("position", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Every option of a form's questions, in order.
pub async fn options(tx: &mut Tx, form: i64) -> Result<Vec<FormOption>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(("form_options", "id")), "id")
        .expr_as(Expr::col(("form_options", "question_id")), "question_id")
        .expr_as(Expr::col(("form_options", "position")), "position")
        .expr_as(Expr::col(("form_options", "label")), "label")
        .expr_as(Expr::col(("form_options", "correct")), "correct")
        .expr_as(Expr::col(("form_options", "goto")), "goto")
        .from("form_options")
        .inner_join(
            "form_questions",
            Expr::col(("form_questions", "id")).equals(("form_options", "question_id")),
        )
        .and_where(Expr::col(("form_questions", "form_id")).eq(form))
        .order_by(("form_questions", "position"), Order::Asc)
        .order_by(("form_options", "position"), Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

async fn insert_options(tx: &mut Tx, question: i64, f: &QuestionFields) -> Result<(), StoreError> {
    for (i, o) in f.options.iter().enumerate() {
        let q = Query::insert()
            .into_table("form_options")
            .columns(["question_id", "position", "label", "correct", "goto"])
            .values_panic([
                question.into(),
                (i as i64).into(),
                o.label.as_str().into(),
                o.correct.into(),
                o.goto.map(|g| g.to_db()).into(),
            ])
            .to_owned();
        tx.exec(&q).await?;
    }
    Ok(())
}

/// Adds a question at the end; returns its id.
pub async fn insert_question(
    tx: &mut Tx,
    form: i64,
    f: &QuestionFields,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(
            Expr::cust("CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT)"),
            "n",
        )
        .from("form_questions")
        .and_where(Expr::col("form_id").eq(form))
        .to_owned();
    let position = tx.fetch_one::<Count, _>(&q).await?.n;
    let q = Query::insert()
        .into_table("form_questions")
        .columns([
            "form_id",
            "position",
            "kind",
            "prompt",
            "help",
            "explanation",
            "required",
        ])
        .values_panic([
            form.into(),
            position.into(),
            f.kind.as_str().into(),
            f.prompt.as_str().into(),
            f.help.as_str().into(),
            f.explanation.as_str().into(),
            f.required.into(),
        ])
        .returning_col("id")
        .to_owned();
    let id = returning_id(tx, &q, "question").await?;
    insert_options(tx, id, f).await?;
    Ok(id)
}

/// Replaces a question's text, kind and options.
pub async fn update_question(
    tx: &mut Tx,
    form: i64,
    id: i64,
    f: &QuestionFields,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("form_questions")
        .value("kind", f.kind.as_str())
        .value("prompt", f.prompt.as_str())
        .value("help", f.help.as_str())
        .value("explanation", f.explanation.as_str())
        .value("required", f.required)
        .and_where(Expr::col("form_id").eq(form))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    if tx.exec(&q).await? != 1 {
        return Ok(false);
    }
    let q = Query::delete()
        .from_table("form_options")
        .and_where(Expr::col("question_id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    insert_options(tx, id, f).await?;
    Ok(true)
}

/// Removes a question; the ones after it move up, and skip targets that
/// pointed past it follow them.
pub async fn delete_question(tx: &mut Tx, form: i64, id: i64) -> Result<bool, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col("position"), "n")
        .from("form_questions")
        .and_where(Expr::col("form_id").eq(form))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let Some(pos) = tx.fetch_optional::<Count, _>(&q).await?.map(|c| c.n) else {
        return Ok(false);
    };
    let q = Query::delete()
        .from_table("form_questions")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.exec(&q).await?;
    let q = Query::update()
        .table("form_questions")
        .value("position", Expr::col("position").sub(1))
        .and_where(Expr::col("form_id").eq(form))
        .and_where(Expr::col("position").gt(pos))
        .to_owned();
    tx.exec(&q).await?;
    let of_form = Query::select()
        .column("id")
        .from("form_questions")
        .and_where(Expr::col("form_id").eq(form))
        .to_owned();
    let q = Query::update()
        .table("form_options")
        .value("goto", Expr::col("goto").sub(1))
        .and_where(Expr::col("question_id").in_subquery(of_form))
        .and_where(Expr::col("goto").gt(pos))
        .to_owned();
    tx.exec(&q).await?;
    Ok(true)
}

/// Starts a response; `Conflict("response")` when this respondent has one.
pub async fn start_response(
    tx: &mut Tx,
    org: OrgId,
    form: i64,
    respondent: &str,
    profile: Option<i64>,
    address: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::insert()
        .into_table("form_responses")
        .columns([
            "org_id",
            "form_id",
            "respondent",
            "profile_id",
            "address",
            "started_at",
        ])
        .values_panic([
            org.0.into(),
            form.into(),
            respondent.into(),
            profile.into(),
            address.into(),
            now.0.into(),
        ])
        .returning_col("id")
        .to_owned();
    returning_id(tx, &q, "response").await
}

pub async fn response_of(
    tx: &mut Tx,
    form: i64,
    respondent: &str,
) -> Result<Option<Response>, StoreError> {
    let q = Query::select()
        .columns(RESPONSE_COLS)
        .from("form_responses")
        .and_where(Expr::col("form_id").eq(form))
        .and_where(Expr::col("respondent").eq(respondent))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?)
}

/// Responses a network address started on a form since a time.
pub async fn starts_from(
    tx: &mut Tx,
    form: i64,
    address: &str,
    since: Timestamp,
) -> Result<i64, StoreError> {
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .from("form_responses")
        .and_where(Expr::col("form_id").eq(form))
        .and_where(Expr::col("address").eq(address))
        .and_where(Expr::col("started_at").gte(since.0))
        .to_owned();
    Ok(tx.fetch_one::<Count, _>(&q).await?.n)
}

const ANSWER_COLS: [&str; 4] = ["response_id", "question_id", "value", "correct"];

pub async fn answers(tx: &mut Tx, response: i64) -> Result<Vec<AnswerRow>, StoreError> {
    let q = Query::select()
        .columns(ANSWER_COLS)
        .from("form_answers")
        .and_where(Expr::col("response_id").eq(response))
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Records one answer; `Conflict("answer")` when the question was answered
/// already in this response.
pub async fn insert_answer(
    tx: &mut Tx,
    response: i64,
    question: i64,
    value: &str,
    correct: Option<bool>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let q = Query::insert()
        .into_table("form_answers")
        .columns([
            "response_id",
            "question_id",
            "value",
            "correct",
            "answered_at",
        ])
        .values_panic([
            response.into(),
            question.into(),
            value.into(),
            correct.into(),
            now.0.into(),
        ])
        .to_owned();
    match tx.exec(&q).await {
        Ok(_) => Ok(()),
        Err(e) => Err(StoreError::from_write(e, "answer")),
    }
}

/// Finishes a response with its score (once: `false` when it was finished).
pub async fn finish(
    tx: &mut Tx,
    response: i64,
    score: Option<i64>,
    out_of: Option<i64>,
    timed_out: bool,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("form_responses")
        .value("finished_at", now.0)
        .value("score", score)
        .value("out_of", out_of)
        .value("timed_out", timed_out)
        .and_where(Expr::col("id").eq(response))
        .and_where(Expr::col("finished_at").is_null())
        .to_owned();
    Ok(tx.exec(&q).await? == 1)
}

/// Responses started and finished on one form.
pub async fn response_count(tx: &mut Tx, form: i64) -> Result<(i64, i64), StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        started: i64,
        finished: i64,
    }
    let q = Query::select()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "started")
        .expr_as(Expr::cust("CAST(COUNT(finished_at) AS BIGINT)"), "finished")
        .from("form_responses")
        .and_where(Expr::col("form_id").eq(form))
        .to_owned();
    let r: Row = tx.fetch_one(&q).await?;
    Ok((r.started, r.finished))
}

/// Every response of a form, oldest first.
pub async fn responses(tx: &mut Tx, form: i64) -> Result<Vec<Response>, StoreError> {
    let q = Query::select()
        .columns(RESPONSE_COLS)
        .from("form_responses")
        .and_where(Expr::col("form_id").eq(form))
        .order_by("id", Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// Every answer of a form's responses.
pub async fn answers_of_form(tx: &mut Tx, form: i64) -> Result<Vec<AnswerRow>, StoreError> {
    let q = Query::select()
        .expr_as(Expr::col(("form_answers", "response_id")), "response_id")
        .expr_as(Expr::col(("form_answers", "question_id")), "question_id")
        .expr_as(Expr::col(("form_answers", "value")), "value")
        .expr_as(Expr::col(("form_answers", "correct")), "correct")
        .from("form_answers")
        .inner_join(
            "form_responses",
            Expr::col(("form_responses", "id")).equals(("form_answers", "response_id")),
        )
        .and_where(Expr::col(("form_responses", "form_id")).eq(form))
        .order_by(("form_answers", "response_id"), Order::Asc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// A row of a quiz's leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Standing {
    pub nickname: String,
    pub score: i64,
    /// Milliseconds from start to finish (ties go to the quicker).
    pub took: i64,
}

/// The quiz's leaderboard: finished responses of profiles that agreed to be
/// shown (a current leaderboard consent), best score first, then quickest.
pub async fn leaderboard(
    tx: &mut Tx,
    org: OrgId,
    form: i64,
    limit: u64,
) -> Result<Vec<Standing>, StoreError> {
    let consented = Query::select()
        .expr(Expr::cust("1"))
        .from("patron_consents")
        .and_where(
            Expr::col(("patron_consents", "profile_id")).equals(("form_responses", "profile_id")),
        )
        .and_where(Expr::col(("patron_consents", "purpose")).eq("leaderboard"))
        .and_where(Expr::col(("patron_consents", "withdrawn_at")).is_null())
        .to_owned();
    let q = Query::select()
        .expr_as(Expr::col(("patron_profiles", "nickname")), "nickname")
        .expr_as(Expr::col(("form_responses", "score")), "score")
        .expr_as(
            Expr::cust("form_responses.finished_at - form_responses.started_at"),
            "took",
        )
        .from("form_responses")
        .inner_join(
            "patron_profiles",
            Expr::col(("patron_profiles", "id")).equals(("form_responses", "profile_id")),
        )
        .and_where(Expr::col(("form_responses", "org_id")).eq(org.0))
        .and_where(Expr::col(("form_responses", "form_id")).eq(form))
        .and_where(Expr::col(("form_responses", "finished_at")).is_not_null())
        .and_where(Expr::col(("form_responses", "score")).is_not_null())
        .and_where(Expr::exists(consented))
        .order_by(("form_responses", "score"), Order::Desc)
        .order_by_expr(
            Expr::cust("form_responses.finished_at - form_responses.started_at"),
            Order::Asc,
        )
        .order_by(("form_responses", "id"), Order::Asc)
        .limit(limit)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}

/// A response in "My data".
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MyResponse {
    pub id: i64,
    pub form_id: i64,
    pub profile_id: i64,
    pub kind: String,
    pub title: String,
    pub score: Option<i64>,
    pub out_of: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

/// The responses of some profiles, newest first.
pub async fn responses_of_profiles(
    tx: &mut Tx,
    org: OrgId,
    profiles: &[i64],
) -> Result<Vec<MyResponse>, StoreError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .expr_as(Expr::col(("form_responses", "id")), "id")
        .expr_as(Expr::col(("form_responses", "form_id")), "form_id")
        .expr_as(Expr::col(("form_responses", "profile_id")), "profile_id")
        .expr_as(Expr::col(("forms", "kind")), "kind")
        .expr_as(Expr::col(("forms", "title")), "title")
        .expr_as(Expr::col(("form_responses", "score")), "score")
        .expr_as(Expr::col(("form_responses", "out_of")), "out_of")
        .expr_as(Expr::col(("form_responses", "started_at")), "started_at")
        .expr_as(Expr::col(("form_responses", "finished_at")), "finished_at")
        .from("form_responses")
        .inner_join(
            "forms",
            Expr::col(("forms", "id")).equals(("form_responses", "form_id")),
        )
        .and_where(Expr::col(("form_responses", "org_id")).eq(org.0))
        .and_where(Expr::col(("form_responses", "profile_id")).is_in(profiles.iter().copied()))
        .order_by(("form_responses", "id"), Order::Desc)
        .to_owned();
    Ok(tx.fetch_all(&q).await?)
}
