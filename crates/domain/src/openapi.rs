//! Field schemas for the OpenAPI document (`/api/v1/openapi.json`) where a request field's rule
//! is more than its Rust type: a code from a code list, a date that may be blank, one of a
//! fixed set of codes. The request types name these with `#[schema(schema_with = …)]`, so the
//! document lists exactly the codes the parsers accept (taken from the same lists).

use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder,
    SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr, Schema};

use crate::vocab::{self, VocabKind};

/// A string that is one of `codes`.
pub fn one_of<I, S>(codes: I) -> ObjectBuilder
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let codes: Vec<String> = codes.into_iter().map(Into::into).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes))
}

/// One of `codes` or the empty string (an optional code: empty = not given).
pub fn one_of_or_empty<I, S>(codes: I) -> ObjectBuilder
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    one_of(
        codes
            .into_iter()
            .map(Into::into)
            .chain(std::iter::once(String::new())),
    )
}

/// A code of one of the code lists (`data/vocab`): the document names the accepted values, so
/// clients (and generated tests) need not learn them from 422s.
pub fn code(kind: VocabKind) -> ObjectBuilder {
    one_of(vocab::entries(kind).iter().map(|e| e.code.as_str()))
}

/// A list of codes of one code list, at least `min_items` of them.
pub fn codes(kind: VocabKind, min_items: usize) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(code(kind))
        .min_items(Some(min_items))
}

/// An ISO date (`YYYY-MM-DD`). The parsers also take Y/M/D, 年月日 and full-width digits; the
/// document promises the ISO form only, so generated dates are real ones.
pub fn date() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

/// A date, or blank (the parsers trim, and blank means none or the default).
pub fn date_or_blank() -> OneOfBuilder {
    OneOfBuilder::new().item(date()).item(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^\\s*$")),
    )
}

/// Characters the text parsers never accept (`domain::text`): control characters and the
/// bidirectional overrides, as a regular-expression class body.
const FORBIDDEN_CHARS: &str = "\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069";

/// A text the parsers accept as required: a non-space character somewhere (they trim) and no
/// forbidden character.
pub fn nonblank() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^[^{FORBIDDEN_CHARS}]*[^\\s{FORBIDDEN_CHARS}][^{FORBIDDEN_CHARS}]*$"
        )))
}

/// 医療的ケア item codes.
pub fn medical_care_codes() -> ArrayBuilder {
    codes(VocabKind::MedicalCareItem, 0)
}

/// Welfare service codes.
pub fn welfare_service_codes() -> ArrayBuilder {
    codes(VocabKind::WelfareService, 0)
}

/// One welfare service code.
pub fn welfare_service_code() -> ObjectBuilder {
    code(VocabKind::WelfareService)
}

/// Hazard codes (hazards.csv).
pub fn hazard_codes() -> ArrayBuilder {
    codes(VocabKind::Hazard, 0)
}

/// Consultation topic codes, at least one.
pub fn topic_codes() -> ArrayBuilder {
    codes(VocabKind::ConsultationTopic, 1)
}

/// A consultation channel code.
pub fn channel_code() -> ObjectBuilder {
    code(VocabKind::ConsultationChannel)
}

/// A requester kind code.
pub fn requester_kind_code() -> ObjectBuilder {
    code(VocabKind::RequesterKind)
}

/// An organization kind code.
pub fn organization_kind_code() -> ObjectBuilder {
    code(VocabKind::OrganizationKind)
}

/// Profession codes of a coordinator, at least one.
pub fn profession_codes() -> ArrayBuilder {
    codes(VocabKind::Profession, 1)
}

/// 性別, or empty.
pub fn sex() -> ObjectBuilder {
    one_of_or_empty(crate::Sex::all().into_iter().map(|s| s.code()))
}

/// 療養の場, or empty.
pub fn care_setting() -> ObjectBuilder {
    one_of_or_empty(crate::CareSetting::all().into_iter().map(|s| s.code()))
}

/// 支援の状況, or empty.
pub fn child_status() -> ObjectBuilder {
    one_of_or_empty(crate::ChildStatus::all().into_iter().map(|s| s.code()))
}

/// 見守りスコアの区分 per ticked medical-care code.
pub fn watch_levels() -> ObjectBuilder {
    let level = one_of_or_empty(
        crate::care_score::WatchLevel::all()
            .into_iter()
            .map(|l| l.code()),
    );
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::RefOr(level.into())))
        .description(Some(
            "見守りスコアの区分 per ticked medical-care code, chosen by the doctor; only levels \
             the item has (422 naming medical_care_watch otherwise); absent = not entered",
        ))
}

/// `limit` as the list handlers read it: an empty value means the default (HTML forms send
/// empty fields, and the pages share these query types), and any integer is clamped into
/// range.
pub fn limit() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(i64::MIN))
                .maximum(Some(i64::MAX)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .description(Some(
            "page size: default 50 (also when empty), clamped to 1-200",
        ))
}

/// A role an admin may grant (every role but the auditor's, which only the command line
/// grants).
pub fn grantable_role() -> ObjectBuilder {
    one_of(
        crate::Role::all()
            .into_iter()
            .filter(|r| *r != crate::Role::Auditor)
            .map(|r| r.code()),
    )
}

/// Dispatch topic codes: a consultation topic or a medical-care item (`TopicCode`).
pub fn dispatch_topic_codes() -> ArrayBuilder {
    let codes = [VocabKind::ConsultationTopic, VocabKind::MedicalCareItem]
        .into_iter()
        .flat_map(|k| vocab::entries(k).iter().map(|e| e.code.as_str()));
    ArrayBuilder::new().items(one_of(codes))
}

/// 全国地方公共団体コード: the six-digit code of a prefecture, municipality or ward in the
/// reference list (`data/local_government_codes.csv`) that the parsers look codes up in. One
/// component schema (the list is long), referenced by every field that takes a code.
pub struct MunicipalityCode;

impl utoipa::PartialSchema for MunicipalityCode {
    fn schema() -> RefOr<Schema> {
        one_of(crate::municipality::all().iter().map(|g| g.code.as_str()))
            .description(Some(
                "全国地方公共団体コード (six digits with the check digit) of a prefecture, \
                 municipality or ward",
            ))
            .into()
    }
}

impl utoipa::ToSchema for MunicipalityCode {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("MunicipalityCode")
    }
}

fn municipality_ref() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name("MunicipalityCode"))
}

/// A municipality code, or empty (optional).
pub fn municipality_code_or_empty() -> OneOfBuilder {
    OneOfBuilder::new().item(municipality_ref()).item(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(0)),
    )
}

/// At least one municipality (or prefecture) code.
pub fn municipality_codes() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(municipality_ref())
        .min_items(Some(1))
}

/// A child's municipality: documented as a code; the parser also takes the municipality's name
/// (世田谷区, 高知県高知市, こうちし) when exactly one place of the center's prefecture has it.
pub fn child_municipality() -> AllOfBuilder {
    AllOfBuilder::new()
        .item(municipality_ref())
        .description(Some(
        "6-digit 全国地方公共団体コード. The parser also takes the municipality's name (世田谷区, \
         高知県高知市, こうちし): a name several places share is taken when exactly one of them is \
         in the center's prefecture, otherwise refused (422, ambiguous_municipality) listing them",
    ))
}
