//! Payment statements (支払明細) pages and API: the month across the center, one coordinator's
//! statement (an A4 print view), approval, CSV (CP932 or UTF-8), rates, and a child's dated
//! welfare-service history.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use axum_extra::extract::{Form, Query};
use domain::export::CsvWriter;
use domain::payment::{Rates, RatesForm, RawRates, YearMonth, Yen};
use domain::service_period::ServicePeriodInput;
use domain::vocab::VocabKind;
use domain::{FieldError, Lang};
use serde::Deserialize;
use store::payments::{MonthOverview, ServicePeriodRecord, StatementView};
use store::StoreError;

use crate::auth::Authed;
use crate::error::WebError;
use crate::ui::{choices, page_status, FormErrors, Layout, PageResult};
use crate::AppState;

fn place(code: &str) -> String {
    crate::ui::place_name(code)
}

fn money(y: &Yen, lang: Lang) -> String {
    y.format(lang)
}

/// `month` from a query or form; empty = the previous month (the one usually approved).
fn month_of(raw: &str, today: chrono::NaiveDate) -> Result<YearMonth, WebError> {
    if raw.trim().is_empty() {
        return YearMonth::of(today)
            .and_then(|m| m.prev())
            .ok_or_else(|| WebError::Internal("month out of range".into()));
    }
    YearMonth::parse("month", raw).map_err(WebError::store)
}

#[derive(utoipa::IntoParams, Deserialize, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    #[param(schema_with = crate::api_schema::fields::month_or_blank)]
    month: String,
    #[param(ignore)]
    saved: String,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct MonthPage {
    l: Layout,
    o: MonthOverview,
    prev: String,
    next: String,
    admin: bool,
    rates: RatesForm,
    errors: FormErrors,
    notice: String,
}

impl MonthPage {
    fn yen(&self, y: &Yen) -> String {
        money(y, self.l.tr.0)
    }
    fn opt_yen(&self, y: &Option<Yen>) -> String {
        y.as_ref()
            .map(|y| money(y, self.l.tr.0))
            .unwrap_or_else(|| "—".into())
    }
    fn place(&self, code: &str) -> String {
        place(code)
    }
    fn month_label(&self) -> String {
        self.o.month.label(self.l.tr.0)
    }
}

async fn month_page(
    state: &AppState,
    a: &Authed,
    month: YearMonth,
    status: StatusCode,
    rates: Option<(RatesForm, FormErrors)>,
    notice: &str,
) -> PageResult {
    let o = state.store.payment_month(a.actor(), month, a.now).await?;
    let (rates, errors) = rates.unwrap_or_else(|| {
        (
            o.rates.as_ref().map(RatesForm::of).unwrap_or_default(),
            FormErrors::default(),
        )
    });
    // Links stay between April 2021 (the 2021 law created the centers) and this month: the
    // months a statement can exist for.
    let first = YearMonth::new(2021, 4);
    let this_month = YearMonth::of(a.today());
    let t = MonthPage {
        l: Layout::for_user(a, "/payments"),
        prev: month
            .prev()
            .filter(|p| first.is_none_or(|f| *p >= f))
            .map(|m| m.to_string())
            .unwrap_or_default(),
        next: month
            .next()
            .filter(|n| this_month.is_none_or(|t| *n <= t))
            .map(|m| m.to_string())
            .unwrap_or_default(),
        o,
        admin: a.actor().role == domain::Role::Admin,
        rates,
        errors,
        notice: if notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(a.lang).t(notice).to_string()
        },
    };
    page_status(status, &t)
}

/// GET /payments?month=2026-11 — every coordinator's month, per-municipality summary, rates.
pub async fn month(
    State(state): State<AppState>,
    a: Authed,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let m = month_of(&q.month, a.today())?;
    let notice = if q.saved == "rates" {
        "payment.rates_saved"
    } else {
        ""
    };
    month_page(&state, &a, m, StatusCode::OK, None, notice).await
}

/// POST /payments/rates — admins set the center's rates.
pub async fn rates_update(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<RatesForm>,
) -> PageResult {
    let m = month_of("", a.today())?;
    let parsed = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_rates_editable(a.actor()),
    )
    .await;
    let result = match parsed {
        Ok(rates) => {
            state
                .store
                .set_payment_rates(a.actor(), &rates, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/payments?saved=rates").into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            month_page(
                &state,
                &a,
                m,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some((f, errors)),
                "",
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "payment_statement.html")]
struct StatementPage {
    l: Layout,
    s: StatementView,
    errors: FormErrors,
    notice: String,
}

impl StatementPage {
    fn yen(&self, y: &Yen) -> String {
        money(y, self.l.tr.0)
    }
    fn kind(&self, k: &domain::payment::ActivityKind) -> &'static str {
        k.label(self.l.tr.0)
    }
    fn reason(&self, l: &domain::payment::PayLine) -> String {
        l.reason_label(self.l.tr.0).unwrap_or_default()
    }
    fn amendment_reason(&self, r: &domain::payment::AmendmentReason) -> &'static str {
        r.label(self.l.tr.0)
    }
    fn place(&self, code: &str) -> String {
        place(code)
    }
    fn month_label(&self) -> String {
        self.s.month.label(self.l.tr.0)
    }
    fn approved_at(&self, at: &str) -> String {
        crate::ui::jst_time(at)
    }
    fn rate(&self, v: &i64) -> String {
        money(&Yen(*v), self.l.tr.0)
    }
}

async fn statement_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    month: YearMonth,
    status: StatusCode,
    errors: FormErrors,
    notice: &str,
) -> PageResult {
    let s = state
        .store
        .payment_statement(a.actor(), id, month, a.today(), a.now)
        .await?;
    let t = StatementPage {
        l: Layout::for_user(a, &format!("/payments/{id}")),
        s,
        errors,
        notice: if notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(a.lang).t(notice).to_string()
        },
    };
    page_status(status, &t)
}

/// GET /payments/{coordinator}?month= — the statement (prints on A4).
pub async fn statement(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    let m = month_of(&q.month, a.today())?;
    let notice = if q.saved == "approved" {
        "payment.approved_done"
    } else {
        ""
    };
    statement_page(
        &state,
        &a,
        &id,
        m,
        StatusCode::OK,
        FormErrors::default(),
        notice,
    )
    .await
}

/// Approval form / body.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApproveForm {
    month: String,
}

/// POST /payments/{coordinator}/approve — approve the month (or its amendments).
pub async fn approve(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ApproveForm>,
) -> PageResult {
    let m = month_of(&f.month, a.today())?;
    match state
        .store
        .approve_payment_month(a.actor(), &id, m, a.today(), a.now)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/payments/{id}?month={m}&saved=approved")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            statement_page(
                &state,
                &a,
                &id,
                m,
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::from(&errs, a.lang),
                "",
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsvQuery {
    month: String,
    encoding: String,
}

/// GET /payments/{coordinator}/statement.csv?month=&encoding=cp932|utf8 — the statement's
/// lines, amendments and totals as CSV (CP932 by default, for Excel).
pub async fn statement_csv(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<CsvQuery>,
) -> Result<Response, WebError> {
    let m = month_of(&q.month, a.today())?;
    let encoding = crate::ui::csv_encoding(&q.encoding)?;
    let s = state
        .store
        .payment_statement(a.actor(), &id, m, a.today(), a.now)
        .await?;
    let lang = a.lang;
    let header = [
        lang.pick("区分", "Section"),
        lang.pick("活動日", "Date"),
        lang.pick("対象児", "Child"),
        lang.pick("市町村コード", "Municipality code"),
        lang.pick("活動", "Activity"),
        lang.pick("訪問", "Visit"),
        lang.pick("時間", "Time"),
        lang.pick("移動", "Travel"),
        lang.pick("金額", "Amount"),
        lang.pick("支払対象外の理由", "Not paid because"),
    ];
    let export_err =
        |e: domain::export::ExportError| WebError::from(StoreError::from(e.to_field_error()));
    let mut w = CsvWriter::new(encoding, &header).map_err(export_err)?;
    for l in &s.lines {
        let p = &l.line;
        w.write_row(&[
            lang.pick("明細", "Line").to_string(),
            p.on.to_string(),
            l.child_name.clone(),
            p.municipality.clone(),
            p.kind.label(lang).to_string(),
            p.visit_yen.to_string(),
            p.time_yen.to_string(),
            p.travel_yen.to_string(),
            p.amount.to_string(),
            p.reason_label(lang).unwrap_or_default(),
        ])
        .map_err(export_err)?;
    }
    for am in &s.amendments {
        w.write_row(&[
            lang.pick("訂正", "Amendment").to_string(),
            am.on.to_string(),
            String::new(),
            String::new(),
            am.reason.label(lang).to_string(),
            String::new(),
            String::new(),
            String::new(),
            am.difference.to_string(),
            format!("{} → {}", am.before, am.after),
        ])
        .map_err(export_err)?;
    }
    w.write_row(&[
        lang.pick("合計", "Total").to_string(),
        m.to_string(),
        s.coordinator_name.clone(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        s.total.to_string(),
        String::new(),
    ])
    .map_err(export_err)?;
    let bytes = w.finish().map_err(export_err)?;
    crate::ui::csv_download(bytes, encoding, &format!("payment-{m}-{id}.csv"))
}

// ---------------------------------------------------------------- service history

/// Service-period form.
type PeriodForm = ServicePeriodInput;

/// Service-period body of the API: unknown fields refused.
#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ServicePeriodInput)]
pub struct PeriodBody {
    #[schema(schema_with = domain::openapi::welfare_service_code, required = true)]
    code: String,
    #[schema(schema_with = domain::openapi::date_or_blank)]
    started_on: String,
    #[schema(schema_with = domain::openapi::date_or_blank)]
    ended_on: String,
}

#[derive(Template)]
#[template(path = "service_periods.html")]
struct PeriodsPage {
    l: Layout,
    child_id: String,
    periods: Vec<ServicePeriodRecord>,
    services: Vec<(String, String)>,
    form: PeriodForm,
    errors: FormErrors,
    can_write: bool,
}

impl PeriodsPage {
    fn service(&self, code: &str) -> String {
        self.l.tr.vocab(VocabKind::WelfareService, code)
    }
}

async fn periods_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    form: PeriodForm,
    errors: FormErrors,
) -> PageResult {
    let periods = state.store.service_periods(a.actor(), id, a.now).await?;
    let t = PeriodsPage {
        l: Layout::for_user(a, &format!("/children/{id}/services")),
        child_id: id.to_string(),
        periods,
        services: choices(VocabKind::WelfareService, a.lang),
        form,
        errors,
        can_write: a.actor().writes_records(),
    };
    page_status(status, &t)
}

/// GET /children/{id}/services — the child's dated welfare-service history.
pub async fn periods(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> PageResult {
    periods_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        PeriodForm::default(),
        FormErrors::default(),
    )
    .await
}

/// POST /children/{id}/services — add a dated period.
pub async fn period_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<PeriodForm>,
) -> PageResult {
    let parsed = crate::shared::scope_before_errors(
        f.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => {
            state
                .store
                .add_service_period(a.actor(), &id, &draft, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}/services")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let errors = FormErrors::from(&errs, a.lang);
            periods_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- API

/// GET /api/v1/payments?month=
#[utoipa::path(get, path = "/api/v1/payments", operation_id = "paymentMonth",
    summary = "A month of dispatch payments across the center: per coordinator (current and approved totals, pending amendments) and per municipality (advisors, admins; audited)",
    params(MonthQuery), responses((status = 200, description = "The month", body = store::payments::MonthOverview)))]
pub async fn api_month(
    State(state): State<AppState>,
    a: Authed,
    q: Result<Query<MonthQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<MonthOverview>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let m = month_of(&q.month, a.today())?;
    Ok(Json(state.store.payment_month(a.actor(), m, a.now).await?))
}

/// GET /api/v1/payments/statements/{coordinator}?month=
#[utoipa::path(get, path = "/api/v1/payments/statements/{id}", operation_id = "paymentStatement",
    summary = "A coordinator's statement for a month: lines, totals, approvals and amendments since approval (422 when no rates are set)",
    params(("id" = String, Path), MonthQuery), responses((status = 200, description = "Statement", body = store::payments::StatementView)))]
pub async fn api_statement(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    q: Result<Query<MonthQuery>, axum_extra::extract::QueryRejection>,
) -> Result<Json<StatementView>, WebError> {
    let q = crate::ui::query(&a, q)?;
    let m = month_of(&q.month, a.today())?;
    Ok(Json(
        state
            .store
            .payment_statement(a.actor(), &id, m, a.today(), a.now)
            .await?,
    ))
}

/// Approval body of the API.
#[derive(utoipa::ToSchema, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ApproveInput)]
pub struct ApproveBody {
    /// YYYY-MM
    #[schema(
        pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-(0?[1-9]|1[0-2])$",
        required = true
    )]
    month: String,
}

/// POST /api/v1/payments/statements/{coordinator}/approve
#[utoipa::path(post, path = "/api/v1/payments/statements/{id}/approve", operation_id = "approvePaymentMonth",
    summary = "Approve an ended month (freezes its lines) or, later, its amendments; 422 when already approved and unchanged",
    params(("id" = String, Path)), request_body = ApproveBody, responses((status = 201, description = "Approved", body = crate::api_schema::Created)))]
pub async fn api_approve(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: ApproveBody = crate::ui::json_body(&a, &body)?;
    if f.month.trim().is_empty() {
        return Err(WebError::store(FieldError::required("month")));
    }
    let m = month_of(&f.month, a.today())?;
    let approval = state
        .store
        .approve_payment_month(a.actor(), &id, m, a.today(), a.now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": approval })),
    ))
}

/// GET /api/v1/payments/rates — `null` when not set.
#[utoipa::path(get, path = "/api/v1/payments/rates", operation_id = "paymentRates",
    summary = "The center's payment rates in whole yen (null when not set)",
    responses((status = 200, description = "Rates", body = Option<domain::payment::RawRates>)))]
pub async fn api_rates(
    State(state): State<AppState>,
    a: Authed,
) -> Result<Json<Option<RawRates>>, WebError> {
    Ok(Json(state.store.payment_rates(a.actor()).await?))
}

/// Rates body of the API: whole yen.
#[derive(utoipa::ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[schema(as = Rates)]
pub struct RatesBody {
    #[schema(minimum = 0, maximum = 1000000)]
    per_visit: i64,
    #[schema(minimum = 0, maximum = 1000000)]
    per_hour: i64,
    #[schema(minimum = 0, maximum = 1000000)]
    per_km: i64,
    #[schema(minimum = 0, maximum = 1000000)]
    per_travel_hour: i64,
}

/// PUT /api/v1/payments/rates (admins)
#[utoipa::path(put, path = "/api/v1/payments/rates", operation_id = "setPaymentRates",
    summary = "Set the center's payment rates (admins; audited)",
    request_body = RatesBody, responses((status = 200, description = "Rates", body = domain::payment::RawRates)))]
pub async fn api_set_rates(
    State(state): State<AppState>,
    a: Authed,
    body: Bytes,
) -> Result<Json<RawRates>, WebError> {
    let b: RatesBody = crate::ui::json_body(&a, &body)?;
    let raw = RawRates {
        per_visit: b.per_visit,
        per_hour: b.per_hour,
        per_km: b.per_km,
        per_travel_hour: b.per_travel_hour,
    };
    let rates = crate::shared::scope_before_errors(
        Rates::parse(raw).map_err(StoreError::Validation),
        state.store.check_rates_editable(a.actor()),
    )
    .await?;
    state
        .store
        .set_payment_rates(a.actor(), &rates, a.now)
        .await?;
    Ok(Json(raw))
}

/// POST /api/v1/children/{id}/service-periods
#[utoipa::path(post, path = "/api/v1/children/{id}/service-periods", operation_id = "addServicePeriod",
    summary = "Record a dated period of welfare-service use (decides whether dispatch work is paid)",
    params(("id" = String, Path)), request_body = PeriodBody, responses((status = 201, description = "Recorded", body = crate::api_schema::Created)))]
pub async fn api_add_period(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, WebError> {
    let f: PeriodBody = crate::ui::json_body(&a, &body)?;
    let input = ServicePeriodInput {
        code: f.code,
        started_on: f.started_on,
        ended_on: f.ended_on,
    };
    let draft = crate::shared::scope_before_errors(
        input.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await?;
    let pid = state
        .store
        .add_service_period(a.actor(), &id, &draft, a.now)
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": pid }))))
}

/// GET /api/v1/children/{id}/service-periods
#[utoipa::path(get, path = "/api/v1/children/{id}/service-periods", operation_id = "listServicePeriods",
    summary = "A child's dated welfare-service history (audited)",
    params(("id" = String, Path)), responses((status = 200, description = "Periods", body = crate::api_schema::Items<store::payments::ServicePeriodRecord>)))]
pub async fn api_periods(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, WebError> {
    let items = state.store.service_periods(a.actor(), &id, a.now).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}
