//! Paths of the center's records: children, consultations, reports, organizations, consents,
//! referrals, break-glass, users and the center.

use super::{body, date_or_blank, id_param, limit_param, ok_json, q, qs, r, s, with_errors};
use serde_json::{json, Value};

/// Part of `paths`, one entry a path.
pub(super) fn paths() -> Value {
    json!({
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
        }
    })
}
