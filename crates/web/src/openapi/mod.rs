//! The OpenAPI 3.1 document for `/api/v1`. Written as data rather than derived: the API's
//! field names are the product's contract (shared with imports and other centers), and a test
//! checks that every API route in the policy table is documented here and nothing else is.

mod paths_disaster;
mod paths_dispatch;
mod paths_records;
mod schemas;

use domain::vocab::{self, VocabKind};
use serde_json::{json, Map, Value};

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

fn s(t: &str) -> Value {
    json!({ "type": t })
}

fn strs() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn nullable_str() -> Value {
    json!({ "type": ["string", "null"] })
}

fn required_str() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

// The parsers trim, so a required text needs a non-space character somewhere.
fn nonblank(desc: &str) -> Value {
    json!({ "type": "string", "pattern": "\\S", "description": desc })
}

/// The path tables of the parts, as one object.
fn merged(parts: impl IntoIterator<Item = Value>) -> Value {
    let mut all = Map::new();
    for part in parts {
        if let Value::Object(entries) = part {
            all.extend(entries);
        }
    }
    Value::Object(all)
}

/// The whole document.
pub fn document() -> Value {
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "tsunagu API", "version": "1", "description": "医療的ケア児支援センター — children, consultations, reports. Authenticate with `Authorization: Bearer <token>` (tsunagu token create) or the session cookie plus an `X-CSRF-Token` header." },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": merged([
            paths_records::paths(),
            paths_dispatch::paths(),
            paths_disaster::paths(),
        ]),
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas::schemas()
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
