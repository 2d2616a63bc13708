//! The OpenAPI 3.1 document for `/api/v1`. Written as data rather than derived: the API's
//! field names are the product's contract (shared with imports and other centers), and a test
//! checks that every API route in the policy table is documented here and nothing else is.

use domain::vocab::{self, VocabKind};
use serde_json::{json, Value};

fn error_responses() -> Value {
    json!({
        "401": { "description": "Not authenticated", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
        "403": { "description": "Not allowed (role, scope or CSRF)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
        "404": { "description": "No such record", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
        "422": { "description": "Invalid input; `fields` names each bad field", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
    })
}

fn with_errors(mut ok: Value) -> Value {
    if let (Some(o), Value::Object(e)) = (ok.as_object_mut(), error_responses()) {
        for (k, v) in e {
            o.insert(k, v);
        }
    }
    ok
}

fn ok_json(status: &str, desc: &str, schema: Value) -> Value {
    with_errors(
        json!({ status: { "description": desc, "content": { "application/json": { "schema": schema } } } }),
    )
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn body(name: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": r(name) } } })
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }])
}

/// A code from one of the code lists (`data/vocab`): the document names the accepted values,
/// so clients (and generated tests) need not learn them from 422s.
fn code(kind: VocabKind) -> Value {
    let codes: Vec<&str> = vocab::entries(kind)
        .iter()
        .map(|e| e.code.as_str())
        .collect();
    json!({ "type": "string", "enum": codes })
}

fn codes(kind: VocabKind, min_items: usize) -> Value {
    json!({ "type": "array", "items": code(kind), "minItems": min_items })
}

/// `limit` as the handlers read it: an empty value means the default (HTML forms send empty
/// fields, and the pages share these query types), and any integer is clamped into range.
fn limit_param() -> Value {
    json!({ "name": "limit", "in": "query", "required": false,
            "schema": { "oneOf": [{ "type": "integer" }, { "type": "string", "maxLength": 0 }] },
            "description": "page size: default 50 (also when empty), clamped to 1-200" })
}

/// A date as the parsers read it. They also take Y/M/D, 年月日 and full-width digits; the
/// document promises the ISO form only, so generated dates are real ones.
fn date(desc: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": desc })
}

/// A date, or blank (the parsers trim, and blank means none or the default).
fn date_or_blank(desc: &str) -> Value {
    json!({ "description": desc, "oneOf": [{ "type": "string", "format": "date" }, { "type": "string", "pattern": "^\\s*$" }] })
}

/// `YYYY-MM` (a one-digit month too), as `YearMonth::parse` reads it.
const MONTH_PATTERN: &str = "^[0-9]{4}-(0?[1-9]|1[0-2])$";

/// A query parameter with its own schema.
fn qs(name: &str, schema: Value, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": desc })
}

fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": { "type": ty }, "description": desc })
}

/// The whole document.
pub fn document() -> Value {
    let s = |t: &str| json!({ "type": t });
    let strs = json!({ "type": "array", "items": { "type": "string" } });
    let nullable_str = json!({ "type": ["string", "null"] });
    let required_str = json!({ "type": "string", "minLength": 1 });
    // The parsers trim, so a required text needs a non-space character somewhere.
    let nonblank = |desc: &str| json!({ "type": "string", "pattern": "\\S", "description": desc });
    // "" = read the kind from the name.
    let device_kinds: Vec<&str> = std::iter::once("")
        .chain(
            domain::power::DeviceKind::all()
                .into_iter()
                .map(|k| k.code()),
        )
        .collect();
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "tsunagu API", "version": "1", "description": "医療的ケア児支援センター — children, consultations, reports. Authenticate with `Authorization: Bearer <token>` (tsunagu token create) or the session cookie plus an `X-CSRF-Token` header." },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/children": {
                "get": {
                    "operationId": "listChildren", "summary": "Search children (keyset paginated)",
                    "parameters": [
                        q("q", "string", "prefix of the family name, the given name or the full name (with or without a space), in kanji or kana (hiragana, katakana, half/full width)"),
                        q("municipality", "string", "municipality code"),
                        q("medical_care", "string", "medical-care item code"),
                        q("no_welfare", "boolean", "only children who use no welfare service"),
                        q("age_band", "string", "0-2, 3-5, 6-11, 12-14, 15-17, 18+"),
                        q("after", "string", "cursor from `next`"),
                        limit_param()
                    ],
                    "responses": ok_json("200", "A page of children", r("ChildPage"))
                },
                "post": {
                    "operationId": "createChild", "summary": "Register a child",
                    "requestBody": body("ChildInput"),
                    "responses": with_errors(json!({
                        "201": { "description": "Registered", "content": { "application/json": { "schema": r("Child") } } },
                        "409": { "description": "Possible duplicate (same kana and birth date); resend with confirm_duplicate", "content": { "application/json": { "schema": r("Error") } } }
                    }))
                }
            },
            "/api/v1/children/{id}": {
                "parameters": id_param(),
                "get": { "operationId": "getChild", "summary": "A child's record (audited)", "responses": ok_json("200", "The child", r("Child")) },
                "patch": {
                    "operationId": "patchChild", "summary": "Change some fields of a child",
                    "requestBody": body("ChildPatch"),
                    "responses": with_errors(json!({
                        "200": { "description": "Updated", "content": { "application/json": { "schema": r("Child") } } },
                        "409": { "description": "Changed by someone else since `version`", "content": { "application/json": { "schema": r("Error") } } }
                    }))
                }
            },
            "/api/v1/consultations": {
                "get": {
                    "operationId": "listConsultations", "summary": "List consultations, newest first",
                    "parameters": [
                        qs("from", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD (Japan time, inclusive)"),
                        qs("to", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD (inclusive)"),
                        q("channel", "string", "channel code"),
                        q("requester_kind", "string", "requester kind code"),
                        q("topic", "string", "topic code"),
                        q("staff", "string", "staff user id"),
                        q("open_followups", "boolean", "only open follow-ups"),
                        q("child_id", "string", "only about this child"),
                        q("before", "string", "cursor from `next`"),
                        limit_param()
                    ],
                    "responses": ok_json("200", "A page of consultations", r("ConsultationPage"))
                },
                "post": {
                    "operationId": "createConsultation", "summary": "Record a consultation",
                    "requestBody": body("ConsultationInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded. An unregistered `person` whose normalised name and reading (width, spaces, hiragana/katakana) match an earlier person of the center is linked to that person (`person_linked`: true, `person_id` is theirs) unless `person.distinct` is true", "content": { "application/json": { "schema": { "allOf": [r("Consultation"), { "type": "object", "required": ["person_linked"], "properties": { "person_linked": s("boolean") } }] } } } } }))
                }
            },
            "/api/v1/consultations/{id}": {
                "parameters": id_param(),
                "get": { "operationId": "getConsultation", "summary": "One consultation with its follow-up and course (audited)", "responses": ok_json("200", "The consultation", r("ConsultationRecord")) },
                "patch": {
                    "operationId": "patchConsultation", "summary": "Change some fields; `followup_done: true` closes the follow-up",
                    "requestBody": body("ConsultationPatch"),
                    "responses": with_errors(json!({
                        "200": { "description": "Updated", "content": { "application/json": { "schema": r("ConsultationRecord") } } },
                        "409": { "description": "Changed by someone else since `version`", "content": { "application/json": { "schema": r("Error") } } }
                    }))
                }
            },
            "/api/v1/consultations/{id}/course": {
                "parameters": id_param(),
                "post": {
                    "operationId": "addCourseEntry", "summary": "Add a dated entry to the consultation's course (経過)",
                    "requestBody": body("CourseEntryInput"),
                    "responses": with_errors(json!({ "201": { "description": "Added; the consultation with its course", "content": { "application/json": { "schema": r("ConsultationRecord") } } } }))
                }
            },
            "/api/v1/reports/consultations": {
                "get": {
                    "operationId": "consultationReport", "summary": "延べ件数・実人数 and breakdowns for a period (default: current fiscal year)",
                    "parameters": [qs("from", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD"), qs("to", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD")],
                    "responses": ok_json("200", "Figures", r("ConsultationReport"))
                }
            },
            "/api/v1/organizations": {
                "get": {
                    "operationId": "listOrganizations", "summary": "Organizations of the center",
                    "parameters": [q("kind", "string", "organization kind code")],
                    "responses": ok_json("200", "Organizations", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("Organization") } } }))
                },
                "post": {
                    "operationId": "createOrganization", "summary": "Register an organization",
                    "requestBody": body("OrganizationInput"),
                    "responses": with_errors(json!({ "201": { "description": "Registered", "content": { "application/json": { "schema": { "type": "object", "required": ["id"], "properties": { "id": s("string") } } } } } }))
                }
            },
            "/api/v1/children/{id}/break-glass": {
                "parameters": id_param(),
                "post": {
                    "operationId": "breakGlass", "summary": "Open a child outside one's scope for 3 hours, stating why (coordinators; audited, shown to advisors)",
                    "requestBody": body("BreakGlassInput"),
                    "responses": with_errors(json!({ "201": { "description": "Granted", "content": { "application/json": { "schema": r("BreakGlass") } } } }))
                }
            },
            "/api/v1/children/{id}/consents": {
                "parameters": id_param(),
                "get": {
                    "operationId": "listConsents", "summary": "Consents and referrals of a child (audited)",
                    "responses": ok_json("200", "Consents and referrals", r("ConsentOverview"))
                },
                "post": {
                    "operationId": "createConsent", "summary": "Record a consent to share a child's information",
                    "requestBody": body("ConsentInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": { "type": "object", "required": ["id"], "properties": { "id": s("string") } } } } } }))
                }
            },
            "/api/v1/children/{id}/referrals": {
                "parameters": id_param(),
                "post": {
                    "operationId": "referChild", "summary": "Share a child with another center; needs a consent in force naming it, or an advisor's/admin's override with a reason (audited)",
                    "requestBody": body("ReferralInput"),
                    "responses": with_errors(json!({ "201": { "description": "Referred", "content": { "application/json": { "schema": { "type": "object", "required": ["id"], "properties": { "id": s("string") } } } } } }))
                }
            },
            "/api/v1/break-glass": {
                "get": {
                    "operationId": "listBreakGlass", "summary": "Break-the-glass grants of the center in the last 7 days (advisors, admins)",
                    "responses": ok_json("200", "Grants", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("BreakGlass") } } }))
                }
            },
            "/api/v1/users": {
                "get": {
                    "operationId": "listUsers", "summary": "Users of the admin's center with their security state (admin)",
                    "responses": ok_json("200", "Users", json!({ "type": "array", "items": r("UserSummary") }))
                },
                "post": {
                    "operationId": "createUser", "summary": "Add a user to the admin's center with a temporary password, shown in this answer only; the user must change it at first login (admin, audited). 422: bad or duplicate login, empty or too long name, unknown role, a role the admin may not grant (auditor) or the center does not use (coordinator without dispatch), missing municipality codes of a municipal officer",
                    "requestBody": body("UserInput"),
                    "responses": with_errors(json!({ "201": { "description": "Added; temporary_password is shown once", "content": { "application/json": { "schema": r("TemporaryPassword") } } } }))
                }
            },
            "/api/v1/users/{id}/role": {
                "parameters": id_param(),
                "put": {
                    "operationId": "setUserRole", "summary": "Change a user's role; the user's sessions end (admin, audited). 422 for one's own role, an auditor's, or a role the admin may not grant; 404 for another center's user",
                    "requestBody": body("RoleInput"),
                    "responses": ok_json("200", "The user", r("UserSummary"))
                }
            },
            "/api/v1/users/{id}/password-reset": {
                "parameters": id_param(),
                "post": {
                    "operationId": "resetUserPassword", "summary": "Give a user a new temporary password (shown in this answer only; must be changed at next login); their sessions end (admin, audited). 422 for one's own or an auditor's password",
                    "responses": ok_json("200", "The user and the temporary password", r("TemporaryPassword"))
                }
            },
            "/api/v1/center": {
                "get": {
                    "operationId": "getCenter", "summary": "The admin's center: details and the work it runs (admin)",
                    "responses": ok_json("200", "The center", r("Center"))
                },
                "put": {
                    "operationId": "replaceCenter", "summary": "Replace the center's details and work (admin, audited). Centers that do not run coordinator dispatch or prefecture-paid statements do not show those menus and their routes answer 404. 422: empty or too long name, bad phone or email, dispatch switched off while coordinator accounts are active",
                    "requestBody": body("CenterInput"),
                    "responses": ok_json("200", "The center", r("Center"))
                }
            },
            "/api/v1/users/{id}/actions": {
                "parameters": id_param(),
                "post": {
                    "operationId": "userAction", "summary": "Disable, enable, end sessions, unlock or reset two-factor login of a user (admin, audited)",
                    "requestBody": body("UserAction"),
                    "responses": ok_json("200", "The user's new state", r("UserSummary"))
                }
            },
            "/api/v1/coordinators": {
                "get": {
                    "operationId": "listCoordinators", "summary": "The center's coordinator roster (コーディネーター名簿), filtered",
                    "parameters": [q("q", "string", "name, kana or organization contains"), q("municipality", "string", "covers this municipality code"),
                                   q("profession", "string", "profession code"), q("topic", "string", "topic code"), q("availability", "string", "active, on_leave or inactive")],
                    "responses": ok_json("200", "Roster", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("Coordinator") } } }))
                },
                "post": {
                    "operationId": "createCoordinator", "summary": "Add a coordinator to the roster (advisors, admins; audited)",
                    "requestBody": body("CoordinatorInput"),
                    "responses": with_errors(json!({ "201": { "description": "Added", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/coordinators/{id}": {
                "parameters": id_param(),
                "put": {
                    "operationId": "replaceCoordinator", "summary": "Replace a roster entry (advisors, admins; audited)",
                    "requestBody": body("CoordinatorInput"),
                    "responses": ok_json("200", "The entry", r("Coordinator"))
                }
            },
            "/api/v1/dispatch-requests": {
                "get": {
                    "operationId": "listDispatchRequests", "summary": "Dispatch requests (派遣依頼) of the center; without status: those in progress",
                    "parameters": [q("status", "string", "open, proposed, active, completed or cancelled")],
                    "responses": ok_json("200", "Requests", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("DispatchRequestSummary") } } }))
                },
                "post": {
                    "operationId": "createDispatchRequest", "summary": "Ask for a coordinator for a child (the municipality comes from the child)",
                    "requestBody": body("DispatchRequestInput"),
                    "responses": with_errors(json!({ "201": { "description": "Created", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/dispatch-requests/{id}": {
                "parameters": id_param(),
                "get": {
                    "operationId": "getDispatchRequest", "summary": "A request with its dispatches, timeline and activities (audited)",
                    "responses": ok_json("200", "The request", r("DispatchRequestDetail"))
                }
            },
            "/api/v1/dispatch-requests/{id}/recommendation": {
                "parameters": id_param(),
                "get": {
                    "operationId": "recommendCoordinators", "summary": "Ranked candidates with reasons, best pairs for a request needing both sides, and who breaks which rule (advisors, admins)",
                    "responses": ok_json("200", "Recommendation", r("Recommendation"))
                }
            },
            "/api/v1/dispatch-requests/{id}/proposals": {
                "parameters": id_param(),
                "post": {
                    "operationId": "proposeDispatch", "summary": "Propose the request to one coordinator (two for a pair); a broken rule needs override_reason (audited)",
                    "requestBody": body("ProposalInput"),
                    "responses": with_errors(json!({ "201": { "description": "Proposed", "content": { "application/json": { "schema": { "type": "object", "required": ["ids"], "properties": { "ids": strs.clone() } } } } } }))
                }
            },
            "/api/v1/dispatch-requests/{id}/advice": {
                "parameters": id_param(),
                "post": {
                    "operationId": "addAdvice", "summary": "A coordinator on the request asks for advice; an advisor or admin gives it (助言)",
                    "requestBody": body("AdviceInput"),
                    "responses": with_errors(json!({ "204": { "description": "Added to the timeline" } }))
                }
            },
            "/api/v1/dispatches/{id}/actions": {
                "parameters": id_param(),
                "post": {
                    "operationId": "dispatchAction", "summary": "Accept, decline (reason), withdraw, start, complete or cancel (reason) one dispatch",
                    "requestBody": body("DispatchActionInput"),
                    "responses": ok_json("200", "Done", json!({ "type": "object", "required": ["request_id"], "properties": { "request_id": s("string") } }))
                }
            },
            "/api/v1/dispatches/{id}/activities": {
                "parameters": id_param(),
                "post": {
                    "operationId": "recordActivity", "summary": "Record a visit, call or meeting on an accepted or active dispatch",
                    "requestBody": body("ActivityInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/notifications": {
                "get": {
                    "operationId": "listNotifications", "summary": "The caller's latest 50 notifications (naming the child and the urgency where the caller may see the request; audited then) and the unread count",
                    "responses": ok_json("200", "Notifications", json!({ "type": "object", "required": ["items", "unread"], "properties": {
                        "items": { "type": "array", "items": r("Notification") }, "unread": s("integer") } }))
                }
            },
            "/api/v1/dispatch-inbox": {
                "get": {
                    "operationId": "dispatchInbox", "summary": "A coordinator's dispatch offers awaiting their answer (most urgent first) and running cases (coordinators; audited)",
                    "responses": ok_json("200", "Offers and cases", json!({ "type": "object", "required": ["offers", "active"], "properties": {
                        "offers": { "type": "array", "items": r("InboxEntry") }, "active": { "type": "array", "items": r("InboxEntry") } } }))
                }
            },
            "/api/v1/dispatch-pending": {
                "get": {
                    "operationId": "dispatchPending", "summary": "Requests of the center without a coordinator (未派遣) and urgent ones (至急) still in progress, at most 20 each (advisors, admins; audited)",
                    "responses": ok_json("200", "Requests", json!({ "type": "object", "required": ["unassigned", "urgent"], "properties": {
                        "unassigned": { "type": "array", "items": r("DispatchRequestSummary") }, "urgent": { "type": "array", "items": r("DispatchRequestSummary") } } }))
                }
            },
            "/api/v1/payments": {
                "get": {
                    "operationId": "paymentMonth", "summary": "A month of dispatch payments across the center: per coordinator (current and approved totals, pending amendments) and per municipality (advisors, admins; audited)",
                    "parameters": [q("month", "string", "YYYY-MM (default: the previous month)")],
                    "responses": ok_json("200", "The month", r("PaymentMonth"))
                }
            },
            "/api/v1/payments/rates": {
                "get": {
                    "operationId": "paymentRates", "summary": "The center's payment rates in whole yen (null when not set)",
                    "responses": ok_json("200", "Rates", json!({ "oneOf": [r("Rates"), { "type": "null" }] }))
                },
                "put": {
                    "operationId": "setPaymentRates", "summary": "Set the center's payment rates (admins; audited)",
                    "requestBody": body("Rates"),
                    "responses": ok_json("200", "Rates", r("Rates"))
                }
            },
            "/api/v1/payments/statements/{id}": {
                "parameters": id_param(),
                "get": {
                    "operationId": "paymentStatement", "summary": "A coordinator's statement for a month: lines, totals, approvals and amendments since approval (422 when no rates are set)",
                    "parameters": [q("month", "string", "YYYY-MM (default: the previous month)")],
                    "responses": ok_json("200", "Statement", r("PaymentStatement"))
                }
            },
            "/api/v1/payments/statements/{id}/approve": {
                "parameters": id_param(),
                "post": {
                    "operationId": "approvePaymentMonth", "summary": "Approve an ended month (freezes its lines) or, later, its amendments; 422 when already approved and unchanged",
                    "requestBody": body("ApproveInput"),
                    "responses": with_errors(json!({ "201": { "description": "Approved", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/children/{id}/service-periods": {
                "parameters": id_param(),
                "get": {
                    "operationId": "listServicePeriods", "summary": "A child's dated welfare-service history (audited)",
                    "responses": ok_json("200", "Periods", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("ServicePeriod") } } }))
                },
                "post": {
                    "operationId": "addServicePeriod", "summary": "Record a dated period of welfare-service use (decides whether dispatch work is paid)",
                    "requestBody": body("ServicePeriodInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/dispatch-batch": {
                "get": {
                    "operationId": "batchProposal", "summary": "One proposal for every open request maximising the total score under every capacity, with each request's eligible people (advisors, admins; nothing is written)",
                    "responses": ok_json("200", "Proposal", r("BatchView"))
                },
                "post": {
                    "operationId": "confirmBatch", "summary": "Confirm lines of a batch in one transaction; every line is checked first (open, eligible, capacity across the batch)",
                    "requestBody": body("BatchInput"),
                    "responses": ok_json("200", "Proposed", json!({ "type": "object", "required": ["proposed"], "properties": { "proposed": s("integer") } }))
                }
            },
            "/api/v1/children/{id}/power": {
                "parameters": id_param(),
                "get": {
                    "operationId": "getChildPower", "summary": "A child's power-dependent devices, other sources, handed-out units and the outage estimate (audited)",
                    "responses": ok_json("200", "Power", r("ChildPower"))
                },
                "put": {
                    "operationId": "saveChildPower", "summary": "Replace a child's devices and sources; battery figures above 72 h are refused",
                    "requestBody": body("PowerInput"),
                    "responses": ok_json("200", "Power", r("ChildPower"))
                }
            },
            "/api/v1/children/{id}/power-units": {
                "parameters": id_param(),
                "post": {
                    "operationId": "addPowerUnit", "summary": "Record a portable power unit the center handed out (counts in the estimate)",
                    "requestBody": body("PowerUnitInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/children/{id}/power-units/{unit_id}/return": {
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "unit_id", "in": "path", "required": true, "schema": { "type": "string" } }
                ],
                "post": {
                    "operationId": "returnPowerUnit", "summary": "Record that a handed-out unit came back (it stops counting in the estimate); refused when already returned, in the future or before it was handed out",
                    "requestBody": body("UnitReturnInput"),
                    "responses": with_errors(json!({ "204": { "description": "Recorded" } }))
                }
            },
            "/api/v1/incidents": {
                "get": {
                    "operationId": "listIncidents", "summary": "Power-outage incidents of the center (municipal users: those touching their area)",
                    "responses": ok_json("200", "Incidents", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("Incident") } } }))
                },
                "post": {
                    "operationId": "openIncident", "summary": "Open a power-outage incident for municipality codes (unknown codes are refused)",
                    "requestBody": body("IncidentInput"),
                    "responses": with_errors(json!({ "201": { "description": "Opened", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/incidents/{id}/triage": {
                "parameters": id_param(),
                "get": {
                    "operationId": "incidentTriage", "summary": "Every power-dependent child in the area: unknown estimates first, then fewest minutes of power left; phones and latest check-in (audited). Counts cover the whole list; rows are one page of it",
                    "parameters": [
                        // Empty = the default, as for `limit_param` (the incident page's form shares the parser).
                        { "name": "offset", "in": "query", "required": false, "description": "Rows to skip (default 0, also when empty)",
                          "schema": { "oneOf": [{ "type": "integer", "minimum": 0, "maximum": 100000000 }, { "type": "string", "maxLength": 0 }] } },
                        { "name": "limit", "in": "query", "required": false, "description": "Rows to return (default 100, also when empty)",
                          "schema": { "oneOf": [{ "type": "integer", "minimum": 1, "maximum": 1000 }, { "type": "string", "maxLength": 0 }] } }
                    ],
                    "responses": ok_json("200", "Triage", r("Triage"))
                }
            },
            "/api/v1/incidents/{id}/checkins": {
                "parameters": id_param(),
                "post": {
                    "operationId": "checkIn", "summary": "Record a safety check-in (append-only); refused on a closed incident",
                    "requestBody": body("CheckinInput"),
                    "responses": with_errors(json!({ "204": { "description": "Recorded" } }))
                }
            },
            "/api/v1/incidents/{id}/close": {
                "parameters": id_param(),
                "post": {
                    "operationId": "closeIncident", "summary": "Close an incident and store its report (advisors, admins)",
                    "responses": ok_json("200", "Report", r("IncidentReport"))
                }
            },
            "/api/v1/children/{id}/plan": {
                "parameters": id_param(),
                "get": {
                    "operationId": "getPlan", "summary": "A child's disaster plan: latest version in full, every version, drills, municipal consent, overdue flag (audited)",
                    "responses": ok_json("200", "Plan", json!({ "type": "object", "required": ["versions", "drills", "municipal_consent", "overdue"], "properties": {
                        "latest": { "type": ["object", "null"] }, "versions": { "type": "array", "items": { "type": "object" } },
                        "drills": { "type": "array", "items": { "type": "object" } }, "municipal_consent": s("boolean"), "overdue": s("boolean") } }))
                },
                "post": {
                    "operationId": "savePlan", "summary": "Save a new plan version; without a contact or agreement date it is kept as a draft with warnings",
                    "requestBody": body("PlanInput"),
                    "responses": with_errors(json!({ "201": { "description": "Saved", "content": { "application/json": { "schema": { "type": "object", "required": ["version", "status", "warnings"], "properties": {
                        "version": s("integer"), "status": { "type": "string", "enum": ["agreed", "draft"] }, "warnings": strs.clone() } } } } } }))
                }
            },
            "/api/v1/children/{id}/plan/diff": {
                "parameters": id_param(),
                "get": {
                    "operationId": "planDiff", "summary": "Field-by-field differences between two plan versions",
                    "parameters": [q("a", "string", "earlier version number"), q("b", "string", "later version number")],
                    "responses": ok_json("200", "Changes", json!({ "type": "object", "required": ["changes"], "properties": { "changes": { "type": "array", "items": { "type": "object", "required": ["field", "before", "after"], "properties": {
                        "field": s("string"), "before": s("string"), "after": s("string") } } } } }))
                }
            },
            "/api/v1/children/{id}/drills": {
                "parameters": id_param(),
                "post": {
                    "operationId": "recordDrill", "summary": "Record an evacuation drill (避難訓練) for the child",
                    "requestBody": body("DrillInput"),
                    "responses": with_errors(json!({ "201": { "description": "Recorded", "content": { "application/json": { "schema": r("Created") } } } }))
                }
            },
            "/api/v1/emergency-sheets": {
                "get": {
                    "operationId": "emergencySheets", "summary": "Emergency information sheets of every active child in a municipality or prefecture (audited)",
                    "parameters": [{ "name": "municipality", "in": "query", "required": true, "schema": { "type": "string", "pattern": "\\S" }, "description": "municipality or prefecture code" }],
                    "responses": ok_json("200", "Sheets", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": { "type": "object" } } } }))
                }
            },
            "/api/v1/reports/dispatch": {
                "get": {
                    "operationId": "dispatchFigures", "summary": "Dispatch figures of a fiscal year: per coordinator, municipality and topic; median days to acceptance; declined share",
                    "parameters": [q("fy", "string", "fiscal year, e.g. 2026 (default: the current one)")],
                    "responses": ok_json("200", "Figures", r("DispatchFigures"))
                }
            },
            "/api/v1/audit": {
                "get": {
                    "operationId": "searchAudit", "summary": "Audit log of the caller's center, newest first, 100 a page (auditors only; the search is itself audited)",
                    "parameters": [
                        qs("from", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD (Japan time, inclusive)"),
                        qs("to", date_or_blank("YYYY-MM-DD"), "YYYY-MM-DD (Japan time, inclusive)"),
                        q("user", "string", "acting user's id or login"),
                        q("action", "string", "action prefix, e.g. `child.` or `child.view`"),
                        q("entity", "string", "child, consultation, organization, user, center, list or audit"),
                        q("entity_id", "string", "record id (e.g. who viewed this child)"),
                        q("q", "string", "text contained in the detail"),
                        q("before", "string", "cursor from `next`")
                    ],
                    "responses": ok_json("200", "A page of audit entries", r("AuditPage"))
                }
            },
            "/api/v1/openapi.json": {
                "get": { "operationId": "openapi", "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI document", "content": { "application/json": { "schema": s("object") } } } } }
            }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "PersonInput": { "type": "object", "additionalProperties": false, "properties": { "name": s("string"), "relation": s("string"), "phone": s("string") } },
                "DestinationInput": { "type": "object", "additionalProperties": false, "properties": {
                    "kind": { "type": "string", "enum": ["", "welfare_shelter", "hospital", "relative", "shelter", "stay_home", "other"] }, "name": s("string"), "detail": s("string") } },
                "PlanInput": { "type": "object", "additionalProperties": false, "properties": {
                    "hazards": codes(VocabKind::Hazard, 0), "floor": s("string"), "elevator": s("boolean"),
                    "primary": r("DestinationInput"), "secondary": r("DestinationInput"), "transport": s("string"), "driver": s("string"),
                    "supporters": { "type": "array", "items": r("PersonInput"), "maxItems": 20 }, "hospital": s("string"), "hospital_phone": s("string"),
                    "admission": s("string"), "medicine_days": s("string"), "consumable_days": s("string"),
                    "contacts": { "type": "array", "items": r("PersonInput"), "maxItems": 20 }, "diagnoses": s("string"), "medicines": s("string"),
                    "allergies": s("string"), "notes": s("string"), "agreed_on": date_or_blank("YYYY-MM-DD; empty = a draft"),
                    "review_due": date_or_blank("YYYY-MM-DD; empty = a year after agreement"), "drill_id": s("string") } },
                "DrillInput": { "type": "object", "required": ["held_on", "participants", "scenario"], "additionalProperties": false, "properties": {
                    "held_on": date("YYYY-MM-DD, not in the future"), "participants": required_str.clone(), "scenario": required_str.clone(),
                    "worked": s("string"), "problems": s("string") } },
                "DeviceInput": { "type": "object", "additionalProperties": false, "description": "One row of the child's one equipment list (shared by the child record and the power page). A row needs a kind or a name; an empty kind is read from a name that states a kind exactly, else other.", "properties": {
                    "kind": { "type": "string", "enum": device_kinds },
                    "name": s("string"), "uses_electricity": { "type": "boolean", "description": "absent = true" }, "watts": s("string"), "internal_minutes": { "type": "string", "description": "0-4320 (72 h)" }, "spare_count": s("string"),
                    "spare_minutes": s("string"), "minutes_per_hour": { "type": "string", "description": "1-60; empty = continuous" }, "settings": s("string") } },
                "PowerInput": { "type": "object", "additionalProperties": false, "properties": {
                    "devices": { "type": "array", "items": r("DeviceInput"), "maxItems": 20 }, "portable_wh": s("string"), "car_inverter": s("boolean"),
                    "generator": s("boolean"), "oxygen_cylinder_hours": s("string"), "notes": s("string") } },
                "UnitReturnInput": { "type": "object", "required": ["returned_on"], "additionalProperties": false, "properties": {
                    "returned_on": date("YYYY-MM-DD, not in the future") } },
                "PowerUnitInput": { "type": "object", "required": ["handed_on", "model", "capacity_wh"], "additionalProperties": false, "properties": {
                    "handed_on": date("YYYY-MM-DD, not in the future"), "model": required_str.clone(), "capacity_wh": nonblank("Wh, a whole number"), "serial": s("string") } },
                "Estimate": { "type": "object", "required": ["status"], "properties": {
                    "status": { "type": "string", "enum": ["not_dependent", "unknown", "known"] }, "minutes": s("integer"), "limiting": s("string"),
                    "missing": { "type": "array", "items": { "type": "object" } } } },
                "ChildPower": { "type": "object", "required": ["devices", "portable_wh", "car_inverter", "generator", "oxygen_cylinder_hours", "units", "estimate", "has_power_details"], "properties": {
                    "devices": { "type": "array", "items": { "type": "object" } }, "has_power_details": s("boolean"), "portable_wh": s("integer"), "car_inverter": s("boolean"), "generator": s("boolean"),
                    "oxygen_cylinder_hours": s("integer"), "notes": nullable_str.clone(), "units": { "type": "array", "description": "Handed-out units, those still with the family first; returned_on null until returned", "items": { "type": "object" } },
                    "estimate": r("Estimate") } },
                "IncidentInput": { "type": "object", "required": ["title", "municipality_codes"], "additionalProperties": false, "properties": {
                    "title": required_str.clone(), "municipality_codes": { "type": "array", "items": s("string"), "minItems": 1 },
                    "started_at": { "type": "string", "description": "YYYY-MM-DDTHH:MM (JST); empty = now" }, "expected_restoration_at": s("string") } },
                "Incident": { "type": "object", "required": ["id", "title", "municipality_codes", "started_at", "status"], "properties": {
                    "id": s("string"), "title": s("string"), "municipality_codes": strs.clone(), "started_at": s("string"),
                    "expected_restoration_at": nullable_str.clone(), "status": { "type": "string", "enum": ["open", "closed"] }, "closed_at": nullable_str.clone() } },
                "Triage": { "type": "object", "required": ["incident", "rows", "counts", "rows_visible", "offset", "limit"], "properties": {
                    "incident": r("Incident"), "rows": { "type": "array", "items": { "type": "object", "required": ["child_id", "name", "estimate", "contacts"], "properties": {
                        "child_id": s("string"), "name": s("string"), "kana": s("string"), "municipality_code": s("string"), "address": nullable_str.clone(),
                        "estimate": r("Estimate"), "devices": strs.clone(), "car_inverter": s("boolean"), "generator": s("boolean"),
                        "contacts": { "type": "array", "items": { "type": "object" } }, "checkin": { "type": ["object", "null"] } } } },
                    "counts": { "type": "object", "description": "Whole list: total, not_called, unknown, by_status" }, "rows_visible": s("boolean"),
                    "offset": { "type": "integer", "description": "Position of the first row in the whole list" }, "limit": s("integer") } },
                "CheckinInput": { "type": "object", "required": ["child_id", "status"], "additionalProperties": false, "properties": {
                    "child_id": s("string"), "status": { "type": "string", "enum": ["unreached", "safe_at_home", "needs_help", "evacuated", "hospitalized"] }, "note": s("string") } },
                "IncidentReport": { "type": "object", "required": ["children", "reached", "never_reached", "by_status", "minutes_to_reach"], "properties": {
                    "children": s("integer"), "reached": s("integer"), "never_reached": s("integer"), "by_status": { "type": "array", "items": { "type": "array" } },
                    "minutes_to_reach": { "type": "array", "items": s("integer") }, "median_minutes_to_reach": { "type": ["number", "null"] },
                    "max_minutes_to_reach": { "type": ["integer", "null"] },
                    "reach": { "type": "array", "items": { "type": "array" }, "description": "[child id, name, minutes or null] in triage order" } } },
                "BatchInput": { "type": "object", "required": ["lines"], "additionalProperties": false, "properties": {
                    "lines": { "type": "array", "items": { "type": "object", "required": ["request_id"], "additionalProperties": false, "properties": {
                        "request_id": s("string"), "medical": { "type": "string", "description": "roster id, or empty" }, "welfare": { "type": "string", "description": "roster id, or empty" } } } } } },
                "BatchView": { "type": "object", "required": ["lines", "total_value", "upper_bound", "proven_optimal"], "properties": {
                    "lines": { "type": "array", "items": { "type": "object", "required": ["request_id", "child_name", "municipality_code", "sides", "urgency", "proposed", "score", "options"], "properties": {
                        "request_id": s("string"), "child_name": s("string"), "municipality_code": s("string"), "sides": s("string"), "urgency": s("string"),
                        "proposed": { "type": "array", "items": { "type": "array" } }, "score": s("integer"),
                        "unassigned": { "oneOf": [r("Msg"), { "type": "null" }] }, "options": { "type": "array", "items": { "type": "array" } } } } },
                    "total_value": s("integer"), "upper_bound": s("integer"), "proven_optimal": s("boolean") } },
                "Rates": { "type": "object", "required": ["per_visit", "per_hour", "per_km", "per_travel_hour"], "additionalProperties": false, "properties": {
                    "per_visit": { "type": "integer", "minimum": 0, "maximum": 1000000 }, "per_hour": { "type": "integer", "minimum": 0, "maximum": 1000000 },
                    "per_km": { "type": "integer", "minimum": 0, "maximum": 1000000 }, "per_travel_hour": { "type": "integer", "minimum": 0, "maximum": 1000000 } } },
                "ApproveInput": { "type": "object", "required": ["month"], "additionalProperties": false, "properties": { "month": { "type": "string", "pattern": MONTH_PATTERN, "description": "YYYY-MM" } } },
                "ServicePeriodInput": { "type": "object", "required": ["code"], "additionalProperties": false, "properties": {
                    "code": code(VocabKind::WelfareService), "started_on": date_or_blank("YYYY-MM-DD or empty (before records began)"),
                    "ended_on": date_or_blank("YYYY-MM-DD or empty (ongoing)") } },
                "ServicePeriod": { "type": "object", "required": ["id", "code"], "properties": { "id": s("string"), "code": s("string"), "started_on": nullable_str.clone(), "ended_on": nullable_str.clone() } },
                "PayLine": { "type": "object", "required": ["activity_id", "on", "kind", "municipality", "payable", "visit_yen", "time_yen", "travel_yen", "amount"], "properties": {
                    "activity_id": s("string"), "on": s("string"), "kind": s("string"), "municipality": s("string"), "payable": s("boolean"),
                    "not_payable_reason": nullable_str.clone(), "visit_yen": s("integer"), "time_yen": s("integer"), "travel_yen": s("integer"), "amount": s("integer"), "child_name": s("string") } },
                "PaymentStatement": { "type": "object", "required": ["coordinator_id", "coordinator_name", "month", "rates", "lines", "total", "approvals", "amendments", "by_municipality", "month_ended"], "properties": {
                    "coordinator_id": s("string"), "coordinator_name": s("string"), "organization": nullable_str.clone(), "month": s("string"), "rates": r("Rates"),
                    "lines": { "type": "array", "items": r("PayLine") }, "total": s("integer"), "payable_count": s("integer"), "not_payable_count": s("integer"),
                    "approvals": { "type": "array", "items": { "type": "object", "required": ["id", "kind", "total", "approved_by", "approved_at"], "properties": {
                        "id": s("string"), "kind": { "type": "string", "enum": ["original", "amendment"] }, "total": s("integer"), "approved_by": s("string"), "approved_at": s("string") } } },
                    "approved_total": { "type": ["integer", "null"] },
                    "amendments": { "type": "array", "items": { "type": "object", "required": ["activity_id", "on", "before", "after", "difference", "reason"], "properties": {
                        "activity_id": s("string"), "on": s("string"), "before": s("integer"), "after": s("integer"), "difference": s("integer"), "reason": s("string") } } },
                    "by_municipality": { "type": "array", "items": { "type": "array" } }, "month_ended": s("boolean") } },
                "PaymentMonth": { "type": "object", "required": ["month", "coordinators", "by_municipality", "total"], "properties": {
                    "month": s("string"), "rates": { "oneOf": [r("Rates"), { "type": "null" }] },
                    "coordinators": { "type": "array", "items": { "type": "object", "required": ["coordinator_id", "coordinator_name", "activities", "total", "pending_amendments"], "properties": {
                        "coordinator_id": s("string"), "coordinator_name": s("string"), "activities": s("integer"), "total": s("integer"),
                        "approved_total": { "type": ["integer", "null"] }, "pending_amendments": s("integer") } } },
                    "by_municipality": { "type": "array", "items": { "type": "array" } }, "total": s("integer") } },
                "Created": { "type": "object", "required": ["id"], "properties": { "id": s("string") } },
                "Msg": { "type": "object", "required": ["ja", "en"], "properties": { "ja": s("string"), "en": s("string") } },
                "CoordinatorInput": { "type": "object", "required": ["name", "professions", "covers", "max_active_cases"], "additionalProperties": false, "properties": {
                    "login": s("string"), "name": required_str.clone(), "name_kana": s("string"), "organization": s("string"), "affiliation_code": s("string"),
                    "professions": codes(VocabKind::Profession, 1), "covers": { "type": "array", "items": s("string"), "minItems": 1, "description": "municipality codes; a prefecture code covers all of it" },
                    "topics": strs.clone(), "training_year": s("string"), "followup_trainings": s("string"), "max_active_cases": nonblank("1-200"),
                    "availability": { "type": "string", "enum": ["active", "on_leave", "inactive"] }, "leave_until": s("string"),
                    "phone": s("string"), "email": s("string"), "notes": s("string") } },
                "Coordinator": { "type": "object", "required": ["id", "name", "professions", "covers", "topics", "max_active_cases", "active_cases", "availability"], "properties": {
                    "id": s("string"), "login": nullable_str.clone(), "name": s("string"), "name_kana": nullable_str.clone(), "organization": nullable_str.clone(),
                    "affiliation_code": nullable_str.clone(), "professions": strs.clone(), "covers": strs.clone(), "topics": strs.clone(),
                    "training_year": { "type": ["integer", "null"] }, "followup_trainings": nullable_str.clone(), "max_active_cases": s("integer"), "active_cases": s("integer"),
                    "availability": s("string"), "leave_until": nullable_str.clone(), "phone": nullable_str.clone(), "email": nullable_str.clone(), "notes": nullable_str.clone() } },
                "DispatchRequestInput": { "type": "object", "required": ["child_id", "sides"], "additionalProperties": false, "properties": {
                    "child_id": s("string"), "consultation_id": s("string"), "topics": strs.clone(),
                    "sides": { "type": "string", "enum": ["medical", "welfare", "both"] }, "urgency": { "type": "string", "enum": ["routine", "soon", "urgent"] },
                    "preferred_dates": s("string"), "note": s("string") } },
                "DispatchRequestSummary": { "type": "object", "required": ["id", "child_id", "child_name", "municipality_code", "topics", "sides", "urgency", "status", "coordinators", "requested_on"], "properties": {
                    "id": s("string"), "child_id": s("string"), "child_name": s("string"), "municipality_code": s("string"), "topics": strs.clone(),
                    "sides": s("string"), "urgency": s("string"), "status": s("string"), "coordinators": s("string"), "requested_on": s("string") } },
                "DispatchLine": { "type": "object", "required": ["id", "coordinator_id", "coordinator_name", "external", "status", "reasons", "proposed_on"], "properties": {
                    "id": s("string"), "coordinator_id": s("string"), "coordinator_name": s("string"), "external": s("boolean"), "side": nullable_str.clone(),
                    "status": { "type": "string", "enum": ["proposed", "accepted", "declined", "withdrawn", "active", "completed", "cancelled"] },
                    "score": { "type": ["integer", "null"] }, "reasons": { "type": "array", "items": r("Msg") }, "override_reason": nullable_str.clone(),
                    "decline_reason": nullable_str.clone(), "proposed_on": s("string"), "responded_on": nullable_str.clone() } },
                "DispatchRequestDetail": { "type": "object", "required": ["summary", "dispatches", "timeline", "activities", "as_coordinator"], "properties": {
                    "summary": r("DispatchRequestSummary"), "consultation_id": nullable_str.clone(), "preferred_dates": nullable_str.clone(), "note": nullable_str.clone(),
                    "dispatches": { "type": "array", "items": r("DispatchLine") },
                    "timeline": { "type": "array", "items": { "type": "object", "required": ["at", "actor", "kind"], "properties": { "at": s("string"), "actor": s("string"), "kind": s("string"), "body": nullable_str.clone() } } },
                    "activities": { "type": "array", "items": r("Activity") }, "as_coordinator": s("boolean") } },
                "Activity": { "type": "object", "required": ["id", "dispatch_id", "coordinator_name", "kind", "on_date", "minutes", "travel_tenths_km", "travel_minutes"], "properties": {
                    "id": s("string"), "dispatch_id": s("string"), "coordinator_name": s("string"), "kind": s("string"), "on_date": s("string"),
                    "minutes": s("integer"), "travel_tenths_km": s("integer"), "travel_minutes": s("integer"), "notes": nullable_str.clone(),
                    "voided_at": nullable_str.clone(), "void_reason": nullable_str.clone() } },
                "Candidate": { "type": "object", "required": ["coordinator_id", "name", "score", "reasons"], "properties": {
                    "coordinator_id": s("string"), "name": s("string"), "organization": nullable_str.clone(), "score": s("integer"), "reasons": { "type": "array", "items": r("Msg") } } },
                "Recommendation": { "type": "object", "required": ["candidates", "pairs", "excluded", "weights"], "properties": {
                    "candidates": { "type": "array", "items": r("Candidate") },
                    "pairs": { "type": "array", "items": { "type": "object", "required": ["medical", "welfare", "bonus", "bonus_reasons", "score"], "properties": {
                        "medical": r("Candidate"), "welfare": r("Candidate"), "bonus": s("integer"), "bonus_reasons": { "type": "array", "items": r("Msg") }, "score": s("integer") } } },
                    "excluded": { "type": "array", "items": { "type": "object", "required": ["coordinator_id", "name", "rules", "overridable"], "properties": {
                        "coordinator_id": s("string"), "name": s("string"), "rules": { "type": "array", "items": r("Msg") }, "overridable": s("boolean") } } },
                    "weights": { "type": "object" } } },
                "ProposalInput": { "type": "object", "required": ["coordinator_ids"], "additionalProperties": false, "properties": {
                    "coordinator_ids": { "type": "array", "items": s("string"), "minItems": 1, "maxItems": 2 }, "override_reason": s("string") } },
                "AdviceInput": { "type": "object", "required": ["text"], "additionalProperties": false, "properties": { "text": required_str.clone() } },
                "DispatchActionInput": { "type": "object", "required": ["action"], "additionalProperties": false, "properties": {
                    "action": { "type": "string", "enum": ["accept", "decline", "withdraw", "start", "complete", "cancel"] }, "reason": s("string") } },
                "ActivityInput": { "type": "object", "required": ["kind", "on_date", "minutes"], "additionalProperties": false, "properties": {
                    "kind": { "type": "string", "enum": ["visit", "call", "meeting"] }, "on_date": date("YYYY-MM-DD, not before the proposal, not in the future"),
                    "minutes": nonblank("0-1440"), "travel_km": { "type": "string", "description": "e.g. 12.5" }, "travel_minutes": s("string"), "notes": s("string") } },
                "Notification": { "type": "object", "required": ["id", "at", "text", "link", "read", "kind", "detail", "urgency", "child_id", "child_name", "message", "urgency_label"], "properties": {
                    "id": s("string"), "at": s("string"), "text": r("Msg"), "link": s("string"), "read": s("boolean"),
                    "kind": { "type": ["string", "null"], "description": "What happened: request, offer, action.accepted, action.declined, …, cancelled, activity.visit, advice_asked, advice_given (null on old rows)" },
                    "detail": { "type": ["string", "null"], "description": "A coordinator's name or an activity's date" },
                    "urgency": { "type": ["string", "null"], "enum": ["routine", "soon", "urgent", null] },
                    "child_id": nullable_str.clone(), "child_name": { "type": ["string", "null"], "description": "Joined when read, only where the caller may see the request" },
                    "message": { "type": "string", "description": "The text in the caller's language, e.g. 至急：山田 花子さんの派遣依頼の打診が届きました" },
                    "urgency_label": nullable_str.clone() } },
                "InboxEntry": { "type": "object", "required": ["dispatch_id", "request_id", "child_name", "municipality_code", "status", "urgency", "proposed_on"], "properties": {
                    "dispatch_id": s("string"), "request_id": s("string"), "child_name": s("string"), "municipality_code": s("string"),
                    "status": { "type": "string", "enum": ["proposed", "accepted", "declined", "withdrawn", "active", "completed", "cancelled"] },
                    "urgency": { "type": "string", "enum": ["routine", "soon", "urgent"] }, "proposed_on": s("string") } },
                "DispatchFigures": { "type": "object", "required": ["fiscal_year", "total", "by_coordinator", "by_municipality", "by_topic", "answered", "declined"], "properties": {
                    "fiscal_year": s("integer"), "total": s("integer"),
                    "by_coordinator": { "type": "array", "items": { "type": "array" } }, "by_municipality": { "type": "array", "items": { "type": "array" } }, "by_topic": { "type": "array", "items": { "type": "array" } },
                    "median_days_to_accept": { "type": ["number", "null"] }, "declined_percent": { "type": ["number", "null"] }, "answered": s("integer"), "declined": s("integer") } },
                "Error": { "type": "object", "required": ["error", "message", "fields"], "properties": {
                    "error": s("string"), "message": s("string"), "fields": { "type": "object", "additionalProperties": s("string") },
                    "candidates": { "type": "array", "items": s("object") } } },
                "Guardian": { "type": "object", "properties": { "name": s("string"), "name_kana": s("string"), "relation": s("string"), "phone": s("string"), "phone2": s("string"), "email": s("string"), "is_primary": s("boolean") } },
                "ChildInput": { "type": "object", "required": ["family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "municipality_code"], "properties": {
                    "family_name": required_str.clone(), "given_name": required_str.clone(), "family_name_kana": required_str.clone(), "given_name_kana": required_str.clone(),
                    "birth_date": date("YYYY-MM-DD, from 1900 and not in the future"), "sex": { "type": "string", "enum": ["female", "male", "other", "unknown", ""] },
                    "municipality_code": { "type": "string", "pattern": "\\S", "description": "6-digit 全国地方公共団体コード, or the municipality's name (世田谷区, 高知県高知市, こうちし); a name several places share is taken when exactly one of them is in the center's prefecture, otherwise refused (422, ambiguous_municipality) listing them" }, "address": s("string"), "phone": s("string"),
                    "care_setting": { "type": "string", "enum": ["in_nicu", "hospitalized", "at_home", ""] }, "discharged_on": date_or_blank("YYYY-MM-DD or empty"),
                    "primary_hospital_id": s("string"), "primary_doctor": s("string"), "school_id": s("string"),
                    "status": { "type": "string", "enum": ["active", "moved_out", "adult_services", "deceased", "closed", ""] }, "status_since": date_or_blank("YYYY-MM-DD, not in the future; empty = today"),
                    "medical_care": codes(VocabKind::MedicalCareItem, 0), "medical_care_details": { "type": "object", "additionalProperties": s("string") },
                    "medical_care_watch": { "type": "object", "description": "見守りスコアの区分 per ticked medical-care code, chosen by the doctor; only levels the item has (422 naming medical_care_watch otherwise); absent = not entered",
                        "additionalProperties": { "type": "string", "enum": ["high", "mid", "low", ""] } },
                    "welfare_services": codes(VocabKind::WelfareService, 0), "guardians": { "type": "array", "items": r("Guardian") }, "devices": { "type": "array", "items": r("DeviceInput"), "maxItems": 20 },
                    "coordinator_ids": strs.clone(), "notes": s("string"), "confirm_duplicate": s("boolean") } },
                "ChildPatch": { "type": "object", "description": "Any ChildInput fields, plus `version` to guard against concurrent edits", "properties": { "version": { "type": ["integer", "null"], "description": "null or absent: no check" } } },
                "Child": { "allOf": [r("ChildInput"), { "type": "object", "required": ["id", "version"], "properties": {
                    "id": s("string"), "version": s("integer"), "uses_no_welfare": s("boolean"), "primary_hospital_name": nullable_str.clone(),
                    "school_name": nullable_str.clone(), "coordinator_names": strs.clone(), "care_score": r("CareScore"),
                    "dispatch_access": { "type": "array", "description": "coordinators who have the child through a dispatch (not in coordinator_ids): open-ended while a dispatch of theirs is accepted or active, then until 30 days after the last one was completed or cancelled",
                        "items": { "type": "object", "required": ["user_id", "name", "until"], "properties": { "user_id": s("string"), "name": s("string"), "until": { "type": ["string", "null"], "description": "last day of access, YYYY-MM-DD (Japan time); null while a dispatch is live" } } } },
                    "created_at": s("string"), "updated_at": s("string") } }] },
                "CareScore": { "type": "object", "description": "医療的ケアスコア（参考）: information for the center, never a benefit decision", "required": ["total", "incomplete"], "properties": {
                    "total": s("integer"), "incomplete": { "type": "boolean", "description": "an item with watch levels has none entered (counted as 0)" } } },
                "ChildSummary": { "type": "object", "required": ["id", "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "municipality_code"], "properties": {
                    "id": s("string"), "family_name": s("string"), "given_name": s("string"), "family_name_kana": s("string"), "given_name_kana": s("string"),
                    "birth_date": s("string"), "municipality_code": s("string"), "status": s("string"), "uses_no_welfare": s("boolean"), "medical_care": strs.clone(), "care_score": r("CareScore") } },
                "ChildPage": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("ChildSummary") }, "next": nullable_str.clone() } },
                "Person": { "type": "object", "properties": { "name": s("string"), "name_kana": s("string"), "anonymous": s("boolean"),
                    "distinct": { "type": "boolean", "description": "a different person from an earlier one of the same name and reading: record a new person instead of linking" } } },
                "ConsultationInput": { "type": "object", "required": ["channel", "requester_kind", "topics", "summary"], "properties": {
                    "occurred_at": { "type": "string", "description": "RFC 3339, or YYYY-MM-DDTHH:MM in Japan time; empty = now" },
                    "channel": code(VocabKind::ConsultationChannel), "requester_kind": code(VocabKind::RequesterKind), "requester_name": s("string"), "requester_org": s("string"),
                    "child_id": s("string"), "person_id": s("string"), "person": { "oneOf": [r("Person"), { "type": "null" }] },
                    "topics": codes(VocabKind::ConsultationTopic, 1), "summary": required_str.clone(), "response": s("string"), "staff_id": s("string"),
                    "duration_minutes": { "type": ["integer", "null"] }, "followup_due": date_or_blank("YYYY-MM-DD or empty"), "followup_assignee_id": s("string") } },
                "ConsultationPatch": { "type": "object", "description": "Any ConsultationInput fields, plus followup_done and version", "properties": {
                    "followup_done": { "type": ["boolean", "null"], "description": "true closes the follow-up; false or null leaves it" },
                    "version": { "type": ["integer", "null"], "description": "the version the change is based on: 409 when the consultation changed since; null or absent skips the check" } } },
                "Consultation": { "type": "object", "required": ["id", "occurred_at", "channel", "requester_kind", "topics", "summary", "version"], "properties": {
                    "id": s("string"), "occurred_at": s("string"), "occurred_on": s("string"), "channel": s("string"), "requester_kind": s("string"),
                    "requester_name": nullable_str.clone(), "requester_org": nullable_str.clone(), "child_id": nullable_str.clone(), "child_name": nullable_str.clone(),
                    "person_id": nullable_str.clone(), "person_name": nullable_str.clone(), "person_anonymous": s("boolean"), "topics": strs.clone(),
                    "summary": s("string"), "response": nullable_str.clone(), "staff_id": s("string"), "staff_name": s("string"),
                    "duration_minutes": { "type": ["integer", "null"] }, "followup_due": nullable_str.clone(), "followup_assignee_id": nullable_str.clone(),
                    "followup_assignee_name": nullable_str.clone(), "followup_done_at": nullable_str.clone(),
                    "version": { "type": "integer", "description": "optimistic-concurrency version; send it back with a PATCH" } } },
                "CourseEntry": { "type": "object", "required": ["id", "entry_date", "body", "author_id", "author_name", "created_at"], "properties": {
                    "id": s("string"), "entry_date": { "type": "string", "description": "YYYY-MM-DD" }, "body": s("string"),
                    "author_id": s("string"), "author_name": s("string"), "created_at": { "type": "string", "description": "UTC, RFC 3339" } } },
                "CourseEntryInput": { "type": "object", "required": ["entry_date", "body"], "properties": {
                    "entry_date": date("YYYY-MM-DD, not after today (Japan time)"), "body": required_str.clone() } },
                "ConsultationRecord": { "description": "A consultation (its follow-up fields included) and its course, oldest entry first", "allOf": [r("Consultation"), {
                    "type": "object", "required": ["course"], "properties": { "course": { "type": "array", "items": r("CourseEntry") } } }] },
                "ConsultationPage": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("Consultation") }, "next": nullable_str.clone() } },
                "ConsentInput": { "type": "object", "required": ["recipient_kind", "recipient_name", "items", "given_on", "given_by", "method"], "properties": {
                    "recipient_kind": { "type": "string", "enum": ["other_center", "municipality_disaster", "municipality_welfare", "school", "hospital", "provider", "other"] },
                    "recipient_code": s("string"), "recipient_name": nonblank(""),
                    "items": { "type": "array", "items": { "type": "string", "enum": ["basic", "medical", "contacts", "disaster_plan", "consultations"] }, "minItems": 1 },
                    "given_on": date("YYYY-MM-DD"), "given_by": nonblank("who gave the consent"),
                    "method": { "type": "string", "enum": ["written", "verbal", "electronic"] }, "expires_on": date_or_blank("YYYY-MM-DD or empty") } },
                "Consent": { "type": "object", "required": ["id", "recipient_kind", "recipient_name", "items", "given_on", "given_by", "method", "recorded_by", "in_force"], "properties": {
                    "id": s("string"), "recipient_kind": s("string"), "recipient_code": nullable_str.clone(), "recipient_name": s("string"), "items": strs.clone(),
                    "given_on": s("string"), "given_by": s("string"), "method": s("string"), "expires_on": nullable_str.clone(), "withdrawn_on": nullable_str.clone(),
                    "recorded_by": s("string"), "in_force": s("boolean") } },
                "Referral": { "type": "object", "required": ["id", "to_center_code", "to_center_name", "created_by", "created_at"], "properties": {
                    "id": s("string"), "to_center_code": s("string"), "to_center_name": s("string"), "consent_id": nullable_str.clone(),
                    "override_reason": nullable_str.clone(), "created_by": s("string"), "created_at": s("string"), "ended_at": nullable_str.clone() } },
                "ConsentOverview": { "type": "object", "required": ["consents", "referrals"], "properties": {
                    "consents": { "type": "array", "items": r("Consent") }, "referrals": { "type": "array", "items": r("Referral") } } },
                "ReferralInput": { "type": "object", "required": ["to_center"], "properties": { "to_center": nonblank("receiving center's code"), "override_reason": s("string") } },
                "BreakGlassInput": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 10, "maxLength": 500 } } },
                "BreakGlass": { "type": "object", "required": ["id", "user_login", "user_name", "child_id", "child_name", "reason", "started_at", "expires_at", "active"], "properties": {
                    "id": s("string"), "user_login": s("string"), "user_name": s("string"), "child_id": s("string"), "child_name": s("string"),
                    "reason": s("string"), "started_at": s("string"), "expires_at": s("string"), "active": s("boolean") } },
                "UserSummary": { "type": "object", "required": ["id", "login", "display_name", "role", "disabled", "failed_logins", "open_sessions"], "properties": {
                    "id": s("string"), "login": s("string"), "display_name": s("string"),
                    "role": { "type": "string", "enum": ["admin", "advisor", "consultant", "coordinator", "municipal", "viewer", "auditor"] },
                    "disabled": s("boolean"), "mfa_enabled_at": nullable_str.clone(), "locked_until": nullable_str.clone(),
                    "failed_logins": s("integer"), "open_sessions": s("integer"),
                    "must_change_password": { "type": "boolean", "description": "holds a temporary password set by an admin" } } },
                "UserInput": { "type": "object", "required": ["login", "display_name", "role"], "properties": {
                    "login": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9._-]+$" },
                    "display_name": { "type": "string", "minLength": 1, "maxLength": 50 },
                    "role": { "type": "string", "enum": ["admin", "advisor", "consultant", "coordinator", "municipal", "viewer"], "description": "coordinator only in a center that runs coordinator dispatch" },
                    "municipalities": { "type": "string", "description": "municipality codes separated by spaces or commas; required for municipal" } } },
                "RoleInput": { "type": "object", "required": ["role"], "properties": {
                    "role": { "type": "string", "enum": ["admin", "advisor", "consultant", "coordinator", "municipal", "viewer"] },
                    "municipalities": { "type": "string", "description": "municipality codes for a municipal officer (kept when omitted)" } } },
                "TemporaryPassword": { "type": "object", "required": ["user", "temporary_password"], "properties": {
                    "user": r("UserSummary"), "temporary_password": { "type": "string", "description": "shown once; must be changed at next login" } } },
                "Center": { "type": "object", "required": ["id", "code", "name", "contact_phone", "contact_email", "address", "opening_hours", "runs_dispatch", "runs_payments"], "properties": {
                    "id": s("string"), "code": s("string"), "name": s("string"), "contact_phone": s("string"), "contact_email": s("string"),
                    "address": s("string"), "opening_hours": s("string"), "runs_dispatch": s("boolean"), "runs_payments": s("boolean") } },
                "CenterInput": { "type": "object", "required": ["name", "runs_dispatch", "runs_payments"], "properties": {
                    "name": { "type": "string", "minLength": 1, "maxLength": 200 }, "contact_phone": s("string"), "contact_email": s("string"),
                    "address": { "type": "string", "maxLength": 200 }, "opening_hours": { "type": "string", "maxLength": 500 },
                    "runs_dispatch": { "type": "boolean", "description": "コーディネーター派遣" }, "runs_payments": { "type": "boolean", "description": "県の支払明細" } } },
                "UserAction": { "type": "object", "required": ["action"], "properties": {
                    "action": { "type": "string", "enum": ["disable", "enable", "end_sessions", "unlock", "reset_mfa"] } } },
                "Count": { "type": "object", "required": ["key", "count"], "properties": { "key": s("string"), "count": s("integer") } },
                "ConsultationReport": { "type": "object", "required": ["from", "to", "total", "distinct_people", "unidentified", "by_channel", "by_requester_kind", "by_topic", "by_month", "by_age_band", "by_municipality", "by_medical_care"],
                    "description": "Every breakdown lists its code list's codes in the list's order, zero counts included (then any code the list no longer has). `unknown` counts consultations not about a registered child.",
                    "properties": {
                    "from": s("string"), "to": s("string"), "total": s("integer"), "distinct_people": s("integer"), "unidentified": s("integer"),
                    "by_channel": { "type": "array", "items": r("Count") }, "by_requester_kind": { "type": "array", "items": r("Count") },
                    "by_topic": { "type": "array", "items": r("Count"), "description": "a consultation with several topics counts in each" },
                    "by_month": { "type": "array", "items": r("Count"), "description": "every month of the period (YYYY-MM), in order" },
                    "by_age_band": { "type": "array", "items": r("Count"), "description": "the child's age in completed years on the consultation date: 0, 1-2, 3-5, 6-11, 12-14, 15-17, 18+, then unknown" },
                    "by_municipality": { "type": "array", "items": r("Count"), "description": "the child's municipality code as recorded on the consultation, by code (a municipal user's municipalities always listed), then unknown" },
                    "by_medical_care": { "type": "array", "items": r("Count"), "description": "the child's medical care items in the code list's order (a child with several counts in each), then none (a child with no item recorded) and unknown" } } },
                "OrganizationInput": { "type": "object", "required": ["kind", "name"], "properties": {
                    "kind": code(VocabKind::OrganizationKind), "name": required_str.clone(), "municipality_code": s("string"), "address": s("string"), "phone": s("string"), "email": s("string") } },
                "AuditEntry": { "type": "object", "required": ["seq", "at", "actor_login", "action", "entity", "detail"], "properties": {
                    "seq": s("integer"), "at": { "type": "string", "description": "UTC, RFC 3339" }, "actor_id": nullable_str.clone(),
                    "actor_login": s("string"), "actor_name": nullable_str.clone(), "action": s("string"), "entity": s("string"),
                    "entity_id": nullable_str.clone(), "detail": s("string") } },
                "AuditPage": { "type": "object", "required": ["items", "total", "total_capped"], "properties": {
                    "items": { "type": "array", "items": r("AuditEntry") }, "next": nullable_str.clone(),
                    "total": { "type": "integer", "description": "matching entries, counted up to 100,001" },
                    "total_capped": { "type": "boolean", "description": "more than 100,000 match (a CSV export holds the newest 100,000)" } } },
                "Organization": { "type": "object", "required": ["id", "kind", "name"], "properties": {
                    "id": s("string"), "kind": s("string"), "name": s("string"), "municipality_code": nullable_str.clone(), "address": nullable_str.clone(),
                    "phone": nullable_str.clone(), "email": nullable_str.clone() } }
            }
        }
    });
    document_patch_fields(&mut doc);
    doc
}

/// A PATCH takes any field of the matching input (the handler merges it over the stored
/// form), so its schema lists the input's properties, none required. Copied here rather than
/// written twice so the two cannot drift; `confirm_duplicate` only applies to creation.
fn document_patch_fields(doc: &mut Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    for (input, patch) in [
        ("ChildInput", "ChildPatch"),
        ("ConsultationInput", "ConsultationPatch"),
    ] {
        let Some(Value::Object(mut props)) =
            schemas.pointer(&format!("/{input}/properties")).cloned()
        else {
            continue;
        };
        props.remove("confirm_duplicate");
        if let Some(Value::Object(own)) = schemas.pointer_mut(&format!("/{patch}/properties")) {
            for (k, v) in props {
                own.entry(k).or_insert(v);
            }
        }
    }
}
