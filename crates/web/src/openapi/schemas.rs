//! `components/schemas`: the request and response bodies the paths name with `r(…)`.

use super::{
    code, codes, date, date_or_blank, nonblank, nullable_str, r, required_str, s, strs,
    MONTH_PATTERN,
};
use domain::vocab::VocabKind;
use serde_json::{json, Value};

/// `components/schemas`, one entry a schema.
pub(super) fn schemas() -> Value {
    // "" = read the kind from the name.
    let device_kinds: Vec<&str> = std::iter::once("")
        .chain(
            domain::power::DeviceKind::all()
                .into_iter()
                .map(|k| k.code()),
        )
        .collect();
    json!({
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
            "held_on": date("YYYY-MM-DD, not in the future"), "participants": required_str(), "scenario": required_str(),
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
            "handed_on": date("YYYY-MM-DD, not in the future"), "model": required_str(), "capacity_wh": nonblank("Wh, a whole number"), "serial": s("string") } },
        "Estimate": { "type": "object", "required": ["status"], "properties": {
            "status": { "type": "string", "enum": ["not_dependent", "unknown", "known"] }, "minutes": s("integer"), "limiting": s("string"),
            "missing": { "type": "array", "items": { "type": "object" } } } },
        "ChildPower": { "type": "object", "required": ["devices", "portable_wh", "car_inverter", "generator", "oxygen_cylinder_hours", "units", "estimate", "has_power_details"], "properties": {
            "devices": { "type": "array", "items": { "type": "object" } }, "has_power_details": s("boolean"), "portable_wh": s("integer"), "car_inverter": s("boolean"), "generator": s("boolean"),
            "oxygen_cylinder_hours": s("integer"), "notes": nullable_str(), "units": { "type": "array", "description": "Handed-out units, those still with the family first; returned_on null until returned", "items": { "type": "object" } },
            "estimate": r("Estimate") } },
        "IncidentInput": { "type": "object", "required": ["title", "municipality_codes"], "additionalProperties": false, "properties": {
            "title": required_str(), "municipality_codes": { "type": "array", "items": s("string"), "minItems": 1 },
            "started_at": { "type": "string", "description": "YYYY-MM-DDTHH:MM (JST); empty = now" }, "expected_restoration_at": s("string") } },
        "Incident": { "type": "object", "required": ["id", "title", "municipality_codes", "started_at", "status"], "properties": {
            "id": s("string"), "title": s("string"), "municipality_codes": strs(), "started_at": s("string"),
            "expected_restoration_at": nullable_str(), "status": { "type": "string", "enum": ["open", "closed"] }, "closed_at": nullable_str() } },
        "Triage": { "type": "object", "required": ["incident", "rows", "counts", "rows_visible", "offset", "limit"], "properties": {
            "incident": r("Incident"), "rows": { "type": "array", "items": { "type": "object", "required": ["child_id", "name", "estimate", "contacts"], "properties": {
                "child_id": s("string"), "name": s("string"), "kana": s("string"), "municipality_code": s("string"), "address": nullable_str(),
                "estimate": r("Estimate"), "devices": strs(), "car_inverter": s("boolean"), "generator": s("boolean"),
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
        "ServicePeriod": { "type": "object", "required": ["id", "code"], "properties": { "id": s("string"), "code": s("string"), "started_on": nullable_str(), "ended_on": nullable_str() } },
        "PayLine": { "type": "object", "required": ["activity_id", "on", "kind", "municipality", "payable", "visit_yen", "time_yen", "travel_yen", "amount"], "properties": {
            "activity_id": s("string"), "on": s("string"), "kind": s("string"), "municipality": s("string"), "payable": s("boolean"),
            "not_payable_reason": nullable_str(), "visit_yen": s("integer"), "time_yen": s("integer"), "travel_yen": s("integer"), "amount": s("integer"), "child_name": s("string") } },
        "PaymentStatement": { "type": "object", "required": ["coordinator_id", "coordinator_name", "month", "rates", "lines", "total", "approvals", "amendments", "by_municipality", "month_ended"], "properties": {
            "coordinator_id": s("string"), "coordinator_name": s("string"), "organization": nullable_str(), "month": s("string"), "rates": r("Rates"),
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
            "login": s("string"), "name": required_str(), "name_kana": s("string"), "organization": s("string"), "affiliation_code": s("string"),
            "professions": codes(VocabKind::Profession, 1), "covers": { "type": "array", "items": s("string"), "minItems": 1, "description": "municipality codes; a prefecture code covers all of it" },
            "topics": strs(), "training_year": s("string"), "followup_trainings": s("string"), "max_active_cases": nonblank("1-200"),
            "availability": { "type": "string", "enum": ["active", "on_leave", "inactive"] }, "leave_until": s("string"),
            "phone": s("string"), "email": s("string"), "notes": s("string") } },
        "Coordinator": { "type": "object", "required": ["id", "name", "professions", "covers", "topics", "max_active_cases", "active_cases", "availability"], "properties": {
            "id": s("string"), "login": nullable_str(), "name": s("string"), "name_kana": nullable_str(), "organization": nullable_str(),
            "affiliation_code": nullable_str(), "professions": strs(), "covers": strs(), "topics": strs(),
            "training_year": { "type": ["integer", "null"] }, "followup_trainings": nullable_str(), "max_active_cases": s("integer"), "active_cases": s("integer"),
            "availability": s("string"), "leave_until": nullable_str(), "phone": nullable_str(), "email": nullable_str(), "notes": nullable_str() } },
        "DispatchRequestInput": { "type": "object", "required": ["child_id", "sides"], "additionalProperties": false, "properties": {
            "child_id": s("string"), "consultation_id": s("string"), "topics": strs(),
            "sides": { "type": "string", "enum": ["medical", "welfare", "both"] }, "urgency": { "type": "string", "enum": ["routine", "soon", "urgent"] },
            "preferred_dates": s("string"), "note": s("string") } },
        "DispatchRequestSummary": { "type": "object", "required": ["id", "child_id", "child_name", "municipality_code", "topics", "sides", "urgency", "status", "coordinators", "requested_on"], "properties": {
            "id": s("string"), "child_id": s("string"), "child_name": s("string"), "municipality_code": s("string"), "topics": strs(),
            "sides": s("string"), "urgency": s("string"), "status": s("string"), "coordinators": s("string"), "requested_on": s("string") } },
        "DispatchLine": { "type": "object", "required": ["id", "coordinator_id", "coordinator_name", "external", "status", "reasons", "proposed_on"], "properties": {
            "id": s("string"), "coordinator_id": s("string"), "coordinator_name": s("string"), "external": s("boolean"), "side": nullable_str(),
            "status": { "type": "string", "enum": ["proposed", "accepted", "declined", "withdrawn", "active", "completed", "cancelled"] },
            "score": { "type": ["integer", "null"] }, "reasons": { "type": "array", "items": r("Msg") }, "override_reason": nullable_str(),
            "decline_reason": nullable_str(), "proposed_on": s("string"), "responded_on": nullable_str() } },
        "DispatchRequestDetail": { "type": "object", "required": ["summary", "dispatches", "timeline", "activities", "as_coordinator"], "properties": {
            "summary": r("DispatchRequestSummary"), "consultation_id": nullable_str(), "preferred_dates": nullable_str(), "note": nullable_str(),
            "dispatches": { "type": "array", "items": r("DispatchLine") },
            "timeline": { "type": "array", "items": { "type": "object", "required": ["at", "actor", "kind"], "properties": { "at": s("string"), "actor": s("string"), "kind": s("string"), "body": nullable_str() } } },
            "activities": { "type": "array", "items": r("Activity") }, "as_coordinator": s("boolean") } },
        "Activity": { "type": "object", "required": ["id", "dispatch_id", "coordinator_name", "kind", "on_date", "minutes", "travel_tenths_km", "travel_minutes"], "properties": {
            "id": s("string"), "dispatch_id": s("string"), "coordinator_name": s("string"), "kind": s("string"), "on_date": s("string"),
            "minutes": s("integer"), "travel_tenths_km": s("integer"), "travel_minutes": s("integer"), "notes": nullable_str(),
            "voided_at": nullable_str(), "void_reason": nullable_str() } },
        "Candidate": { "type": "object", "required": ["coordinator_id", "name", "score", "reasons"], "properties": {
            "coordinator_id": s("string"), "name": s("string"), "organization": nullable_str(), "score": s("integer"), "reasons": { "type": "array", "items": r("Msg") } } },
        "Recommendation": { "type": "object", "required": ["candidates", "pairs", "excluded", "weights"], "properties": {
            "candidates": { "type": "array", "items": r("Candidate") },
            "pairs": { "type": "array", "items": { "type": "object", "required": ["medical", "welfare", "bonus", "bonus_reasons", "score"], "properties": {
                "medical": r("Candidate"), "welfare": r("Candidate"), "bonus": s("integer"), "bonus_reasons": { "type": "array", "items": r("Msg") }, "score": s("integer") } } },
            "excluded": { "type": "array", "items": { "type": "object", "required": ["coordinator_id", "name", "rules", "overridable"], "properties": {
                "coordinator_id": s("string"), "name": s("string"), "rules": { "type": "array", "items": r("Msg") }, "overridable": s("boolean") } } },
            "weights": { "type": "object" } } },
        "ProposalInput": { "type": "object", "required": ["coordinator_ids"], "additionalProperties": false, "properties": {
            "coordinator_ids": { "type": "array", "items": s("string"), "minItems": 1, "maxItems": 2 }, "override_reason": s("string") } },
        "AdviceInput": { "type": "object", "required": ["text"], "additionalProperties": false, "properties": { "text": required_str() } },
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
            "child_id": nullable_str(), "child_name": { "type": ["string", "null"], "description": "Joined when read, only where the caller may see the request" },
            "message": { "type": "string", "description": "The text in the caller's language, e.g. 至急：山田 花子さんの派遣依頼の打診が届きました" },
            "urgency_label": nullable_str() } },
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
            "family_name": required_str(), "given_name": required_str(), "family_name_kana": required_str(), "given_name_kana": required_str(),
            "birth_date": date("YYYY-MM-DD, from 1900 and not in the future"), "sex": { "type": "string", "enum": ["female", "male", "other", "unknown", ""] },
            "municipality_code": { "type": "string", "pattern": "\\S", "description": "6-digit 全国地方公共団体コード, or the municipality's name (世田谷区, 高知県高知市, こうちし); a name several places share is taken when exactly one of them is in the center's prefecture, otherwise refused (422, ambiguous_municipality) listing them" }, "address": s("string"), "phone": s("string"),
            "care_setting": { "type": "string", "enum": ["in_nicu", "hospitalized", "at_home", ""] }, "discharged_on": date_or_blank("YYYY-MM-DD or empty"),
            "primary_hospital_id": s("string"), "primary_doctor": s("string"), "school_id": s("string"),
            "status": { "type": "string", "enum": ["active", "moved_out", "adult_services", "deceased", "closed", ""] }, "status_since": date_or_blank("YYYY-MM-DD, not in the future; empty = today"),
            "medical_care": codes(VocabKind::MedicalCareItem, 0), "medical_care_details": { "type": "object", "additionalProperties": s("string") },
            "medical_care_watch": { "type": "object", "description": "見守りスコアの区分 per ticked medical-care code, chosen by the doctor; only levels the item has (422 naming medical_care_watch otherwise); absent = not entered",
                "additionalProperties": { "type": "string", "enum": ["high", "mid", "low", ""] } },
            "welfare_services": codes(VocabKind::WelfareService, 0), "guardians": { "type": "array", "items": r("Guardian") }, "devices": { "type": "array", "items": r("DeviceInput"), "maxItems": 20 },
            "coordinator_ids": strs(), "notes": s("string"), "confirm_duplicate": s("boolean") } },
        "ChildPatch": { "type": "object", "description": "Any ChildInput fields, plus `version` to guard against concurrent edits", "properties": { "version": { "type": ["integer", "null"], "description": "null or absent: no check" } } },
        "Child": { "allOf": [r("ChildInput"), { "type": "object", "required": ["id", "version"], "properties": {
            "id": s("string"), "version": s("integer"), "uses_no_welfare": s("boolean"), "primary_hospital_name": nullable_str(),
            "school_name": nullable_str(), "coordinator_names": strs(), "care_score": r("CareScore"),
            "dispatch_access": { "type": "array", "description": "coordinators who have the child through a dispatch (not in coordinator_ids): open-ended while a dispatch of theirs is accepted or active, then until 30 days after the last one was completed or cancelled",
                "items": { "type": "object", "required": ["user_id", "name", "until"], "properties": { "user_id": s("string"), "name": s("string"), "until": { "type": ["string", "null"], "description": "last day of access, YYYY-MM-DD (Japan time); null while a dispatch is live" } } } },
            "created_at": s("string"), "updated_at": s("string") } }] },
        "CareScore": { "type": "object", "description": "医療的ケアスコア（参考）: information for the center, never a benefit decision", "required": ["total", "incomplete"], "properties": {
            "total": s("integer"), "incomplete": { "type": "boolean", "description": "an item with watch levels has none entered (counted as 0)" } } },
        "ChildSummary": { "type": "object", "required": ["id", "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "municipality_code"], "properties": {
            "id": s("string"), "family_name": s("string"), "given_name": s("string"), "family_name_kana": s("string"), "given_name_kana": s("string"),
            "birth_date": s("string"), "municipality_code": s("string"), "status": s("string"), "uses_no_welfare": s("boolean"), "medical_care": strs(), "care_score": r("CareScore") } },
        "ChildPage": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("ChildSummary") }, "next": nullable_str() } },
        "Person": { "type": "object", "properties": { "name": s("string"), "name_kana": s("string"), "anonymous": s("boolean"),
            "distinct": { "type": "boolean", "description": "a different person from an earlier one of the same name and reading: record a new person instead of linking" } } },
        "ConsultationInput": { "type": "object", "required": ["channel", "requester_kind", "topics", "summary"], "properties": {
            "occurred_at": { "type": "string", "description": "RFC 3339, or YYYY-MM-DDTHH:MM in Japan time; empty = now" },
            "channel": code(VocabKind::ConsultationChannel), "requester_kind": code(VocabKind::RequesterKind), "requester_name": s("string"), "requester_org": s("string"),
            "child_id": s("string"), "person_id": s("string"), "person": { "oneOf": [r("Person"), { "type": "null" }] },
            "topics": codes(VocabKind::ConsultationTopic, 1), "summary": required_str(), "response": s("string"), "staff_id": s("string"),
            "duration_minutes": { "type": ["integer", "null"] }, "followup_due": date_or_blank("YYYY-MM-DD or empty"), "followup_assignee_id": s("string") } },
        "ConsultationPatch": { "type": "object", "description": "Any ConsultationInput fields, plus followup_done and version", "properties": {
            "followup_done": { "type": ["boolean", "null"], "description": "true closes the follow-up; false or null leaves it" },
            "version": { "type": ["integer", "null"], "description": "the version the change is based on: 409 when the consultation changed since; null or absent skips the check" } } },
        "Consultation": { "type": "object", "required": ["id", "occurred_at", "channel", "requester_kind", "topics", "summary", "version"], "properties": {
            "id": s("string"), "occurred_at": s("string"), "occurred_on": s("string"), "channel": s("string"), "requester_kind": s("string"),
            "requester_name": nullable_str(), "requester_org": nullable_str(), "child_id": nullable_str(), "child_name": nullable_str(),
            "person_id": nullable_str(), "person_name": nullable_str(), "person_anonymous": s("boolean"), "topics": strs(),
            "summary": s("string"), "response": nullable_str(), "staff_id": s("string"), "staff_name": s("string"),
            "duration_minutes": { "type": ["integer", "null"] }, "followup_due": nullable_str(), "followup_assignee_id": nullable_str(),
            "followup_assignee_name": nullable_str(), "followup_done_at": nullable_str(),
            "version": { "type": "integer", "description": "optimistic-concurrency version; send it back with a PATCH" } } },
        "CourseEntry": { "type": "object", "required": ["id", "entry_date", "body", "author_id", "author_name", "created_at"], "properties": {
            "id": s("string"), "entry_date": { "type": "string", "description": "YYYY-MM-DD" }, "body": s("string"),
            "author_id": s("string"), "author_name": s("string"), "created_at": { "type": "string", "description": "UTC, RFC 3339" } } },
        "CourseEntryInput": { "type": "object", "required": ["entry_date", "body"], "properties": {
            "entry_date": date("YYYY-MM-DD, not after today (Japan time)"), "body": required_str() } },
        "ConsultationRecord": { "description": "A consultation (its follow-up fields included) and its course, oldest entry first", "allOf": [r("Consultation"), {
            "type": "object", "required": ["course"], "properties": { "course": { "type": "array", "items": r("CourseEntry") } } }] },
        "ConsultationPage": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": r("Consultation") }, "next": nullable_str() } },
        "ConsentInput": { "type": "object", "required": ["recipient_kind", "recipient_name", "items", "given_on", "given_by", "method"], "properties": {
            "recipient_kind": { "type": "string", "enum": ["other_center", "municipality_disaster", "municipality_welfare", "school", "hospital", "provider", "other"] },
            "recipient_code": s("string"), "recipient_name": nonblank(""),
            "items": { "type": "array", "items": { "type": "string", "enum": ["basic", "medical", "contacts", "disaster_plan", "consultations"] }, "minItems": 1 },
            "given_on": date("YYYY-MM-DD"), "given_by": nonblank("who gave the consent"),
            "method": { "type": "string", "enum": ["written", "verbal", "electronic"] }, "expires_on": date_or_blank("YYYY-MM-DD or empty") } },
        "Consent": { "type": "object", "required": ["id", "recipient_kind", "recipient_name", "items", "given_on", "given_by", "method", "recorded_by", "in_force"], "properties": {
            "id": s("string"), "recipient_kind": s("string"), "recipient_code": nullable_str(), "recipient_name": s("string"), "items": strs(),
            "given_on": s("string"), "given_by": s("string"), "method": s("string"), "expires_on": nullable_str(), "withdrawn_on": nullable_str(),
            "recorded_by": s("string"), "in_force": s("boolean") } },
        "Referral": { "type": "object", "required": ["id", "to_center_code", "to_center_name", "created_by", "created_at"], "properties": {
            "id": s("string"), "to_center_code": s("string"), "to_center_name": s("string"), "consent_id": nullable_str(),
            "override_reason": nullable_str(), "created_by": s("string"), "created_at": s("string"), "ended_at": nullable_str() } },
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
            "disabled": s("boolean"), "mfa_enabled_at": nullable_str(), "locked_until": nullable_str(),
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
            "kind": code(VocabKind::OrganizationKind), "name": required_str(), "municipality_code": s("string"), "address": s("string"), "phone": s("string"), "email": s("string") } },
        "AuditEntry": { "type": "object", "required": ["seq", "at", "actor_login", "action", "entity", "detail"], "properties": {
            "seq": s("integer"), "at": { "type": "string", "description": "UTC, RFC 3339" }, "actor_id": nullable_str(),
            "actor_login": s("string"), "actor_name": nullable_str(), "action": s("string"), "entity": s("string"),
            "entity_id": nullable_str(), "detail": s("string") } },
        "AuditPage": { "type": "object", "required": ["items", "total", "total_capped"], "properties": {
            "items": { "type": "array", "items": r("AuditEntry") }, "next": nullable_str(),
            "total": { "type": "integer", "description": "matching entries, counted up to 100,001" },
            "total_capped": { "type": "boolean", "description": "more than 100,000 match (a CSV export holds the newest 100,000)" } } },
        "Organization": { "type": "object", "required": ["id", "kind", "name"], "properties": {
            "id": s("string"), "kind": s("string"), "name": s("string"), "municipality_code": nullable_str(), "address": nullable_str(),
            "phone": nullable_str(), "email": nullable_str() } }
    })
}
