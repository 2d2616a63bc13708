//! Paths of disaster preparedness and response: power, incidents, plans, drills, emergency
//! sheets, the dispatch report, the audit log and this document.

use super::{body, date_or_blank, id_param, ok_json, q, qs, r, s, strs, with_errors};
use serde_json::{json, Value};

/// Part of `paths`, one entry a path.
pub(super) fn paths() -> Value {
    json!({
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
                    "version": s("integer"), "status": { "type": "string", "enum": ["agreed", "draft"] }, "warnings": strs() } } } } } }))
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
    })
}
