//! Paths of coordinator dispatch: the roster, requests, proposals, activities, notifications,
//! payments and batch proposals.

use super::{body, id_param, ok_json, q, r, s, strs, with_errors};
use serde_json::{json, Value};

/// Part of `paths`, one entry a path.
pub(super) fn paths() -> Value {
    json!({
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
                "responses": with_errors(json!({ "201": { "description": "Proposed", "content": { "application/json": { "schema": { "type": "object", "required": ["ids"], "properties": { "ids": strs() } } } } } }))
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
        }
    })
}
