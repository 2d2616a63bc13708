//! Disaster individual support plans (災害時個別支援計画): what a family does when disaster
//! strikes — hazards at home, where to evacuate and how, who helps, which hospital to call,
//! stock of medicines and consumables, emergency contacts — plus the medical summary the
//! emergency information sheet (緊急時情報シート) shows paramedics and shelters.
//!
//! A plan is versioned: every save is a new version and old versions are never changed;
//! [`diff`] lists what changed between two. A plan without any contact person is kept as a
//! **draft** with a visible warning; it becomes **agreed** once it has a contact and the date
//! the family agreed.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::text::{optional_line, optional_phone, optional_text};
use crate::vocab::{VocabCode, VocabKind};
use crate::{FieldError, Lang, ValidationErrors};

/// Where to evacuate (避難先の種類).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DestinationKind {
    /// 福祉避難所.
    WelfareShelter,
    /// 病院.
    Hospital,
    /// 親族・知人宅.
    Relative,
    /// 指定避難所.
    Shelter,
    /// 自宅にとどまる（在宅避難）.
    StayHome,
    /// その他.
    Other,
}

impl DestinationKind {
    /// Every kind.
    pub fn all() -> [DestinationKind; 6] {
        use DestinationKind::*;
        [WelfareShelter, Hospital, Relative, Shelter, StayHome, Other]
    }
    /// Code.
    pub fn code(self) -> &'static str {
        use DestinationKind::*;
        match self {
            WelfareShelter => "welfare_shelter",
            Hospital => "hospital",
            Relative => "relative",
            Shelter => "shelter",
            StayHome => "stay_home",
            Other => "other",
        }
    }
    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::all().into_iter().find(|k| k.code() == s.trim())
    }
    /// Label.
    pub fn label(self, lang: Lang) -> &'static str {
        use DestinationKind::*;
        match self {
            WelfareShelter => lang.pick("福祉避難所", "Welfare shelter"),
            Hospital => lang.pick("病院", "Hospital"),
            Relative => lang.pick("親族・知人宅", "Relative or friend"),
            Shelter => lang.pick("指定避難所", "Public shelter"),
            StayHome => lang.pick("在宅避難", "Stay at home"),
            Other => lang.pick("その他", "Other"),
        }
    }
}

/// A person to call or who helps (避難支援者・緊急連絡先).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = PersonInput)]
pub struct Person {
    /// 氏名.
    pub name: String,
    /// 続柄・関係.
    pub relation: String,
    /// 電話.
    pub phone: String,
}

/// An evacuation destination.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = DestinationInput)]
pub struct Destination {
    /// Kind code (empty = not decided).
    #[schema(schema_with = destination_kind_schema)]
    pub kind: String,
    /// 名称.
    pub name: String,
    /// 所在地・連絡先.
    pub detail: String,
}

/// A plan as typed (and as stored: the validated, normalised form of the same fields).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlanInput {
    /// Hazard codes at home (hazards.csv).
    #[schema(schema_with = crate::openapi::hazard_codes)]
    pub hazards: Vec<String>,
    /// 居室の階.
    pub floor: String,
    /// エレベーターあり.
    pub elevator: bool,
    /// 第1避難先.
    pub primary: Destination,
    /// 第2避難先.
    pub secondary: Destination,
    /// 移動手段.
    pub transport: String,
    /// 運転・搬送する人.
    pub driver: String,
    /// 避難支援者.
    #[schema(max_items = 20)]
    pub supporters: Vec<Person>,
    /// 連絡する病院.
    pub hospital: String,
    /// 病院の連絡先.
    pub hospital_phone: String,
    /// 入院の取り決め.
    pub admission: String,
    /// 薬の備蓄（日分）.
    pub medicine_days: String,
    /// 衛生材料・消耗品の備蓄（日分）.
    pub consumable_days: String,
    /// 緊急連絡先.
    #[schema(max_items = 20)]
    pub contacts: Vec<Person>,
    /// 診断名 (for the emergency sheet).
    pub diagnoses: String,
    /// 服薬 (for the emergency sheet).
    pub medicines: String,
    /// アレルギー.
    pub allergies: String,
    /// 血液型: A/B/O/AB with Rh+ or Rh- (e.g. "A Rh+"), or "" when not known.
    pub blood_type: String,
    /// 体重 (kg, up to one decimal), for drug doses in an emergency.
    pub weight_kg: String,
    /// 本人・家族の希望 (what an ER doctor or supporter must know the family wants).
    pub family_wishes: String,
    /// 備考.
    pub notes: String,
    /// 家族の同意日 (YYYY-MM-DD).
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub agreed_on: String,
    /// 見直し期限 (YYYY-MM-DD; empty = a year after agreement).
    #[schema(schema_with = crate::openapi::date_or_blank)]
    pub review_due: String,
    /// The drill (避難訓練) this version follows from, if any.
    pub drill_id: String,
}

/// A validated plan version, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanDraft {
    /// The normalised fields (what is stored and compared).
    pub content: PlanInput,
    /// Agreed with the family (has a contact and an agreement date), or a draft.
    pub agreed: bool,
    /// 家族の同意日.
    pub agreed_on: Option<NaiveDate>,
    /// 見直し期限.
    pub review_due: Option<NaiveDate>,
    /// Warnings shown with a draft (e.g. 「連絡先が1人も登録されていません」).
    pub warnings: Vec<String>,
}

fn person_list(errs: &mut ValidationErrors, field: &str, people: &[Person]) -> Vec<Person> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate().take(20) {
        if p.name.trim().is_empty() && p.phone.trim().is_empty() && p.relation.trim().is_empty() {
            continue;
        }
        let f = |x: &str| format!("{field}.{i}.{x}");
        let name = errs
            .check(optional_line(&f("name"), &p.name, 100))
            .flatten();
        if name.is_none() && errs.for_field(&f("name")).is_none() {
            errs.push(FieldError::required(&f("name")));
        }
        let relation = errs
            .check(optional_line(&f("relation"), &p.relation, 50))
            .flatten();
        let phone = errs.check(optional_phone(&f("phone"), &p.phone)).flatten();
        out.push(Person {
            name: name.unwrap_or_default(),
            relation: relation.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
        });
    }
    out
}

/// Blood types as the form offers them (ABO × Rh).
pub const BLOOD_TYPES: [&str; 8] = [
    "A Rh+", "A Rh-", "B Rh+", "B Rh-", "O Rh+", "O Rh-", "AB Rh+", "AB Rh-",
];

/// 血液型: one of [`BLOOD_TYPES`] (spaces, width and case forgiven), or empty.
fn blood_type(errs: &mut ValidationErrors, raw: &str) -> String {
    let key = |s: &str| {
        crate::kana::normalize_for_search(s)
            .to_uppercase()
            .replace(['＋', '−'], "")
    };
    let typed = raw.trim();
    if typed.is_empty() {
        return String::new();
    }
    match BLOOD_TYPES.iter().find(|b| key(b) == key(typed)) {
        Some(b) => (*b).to_string(),
        None => {
            errs.push(FieldError::new(
                "blood_type",
                "unknown_code",
                "血液型は一覧から選んでください（例: A Rh+）",
                "Choose the blood type from the list (e.g. A Rh+).",
            ));
            String::new()
        }
    }
}

/// 体重: kilograms from 0.3 to 200 with at most one decimal, stored as typed in half-width.
fn weight(errs: &mut ValidationErrors, raw: &str) -> String {
    let typed = crate::kana::normalize_for_search(raw);
    if typed.is_empty() {
        return String::new();
    }
    let ok = typed.parse::<f64>().ok().filter(|w| {
        (0.3..=200.0).contains(w) && typed.split('.').nth(1).is_none_or(|d| d.len() <= 1)
    });
    match ok {
        Some(_) => typed,
        None => {
            errs.push(FieldError::new(
                "weight_kg",
                "number_range",
                "体重は0.3〜200kgの数値（小数点以下1桁まで）で入力してください",
                "Enter the weight in kg from 0.3 to 200, at most one decimal.",
            ));
            String::new()
        }
    }
}

fn destination(errs: &mut ValidationErrors, field: &str, d: &Destination) -> Destination {
    let kind = if d.kind.trim().is_empty() {
        String::new()
    } else if let Some(k) = DestinationKind::parse(&d.kind) {
        k.code().to_string()
    } else {
        errs.push(FieldError::new(
            &format!("{field}.kind"),
            "unknown_code",
            "避難先の種類を選んでください",
            "Choose the kind of destination.",
        ));
        String::new()
    };
    Destination {
        kind,
        name: errs
            .check(optional_line(&format!("{field}.name"), &d.name, 200))
            .flatten()
            .unwrap_or_default(),
        detail: errs
            .check(optional_text(&format!("{field}.detail"), &d.detail, 500))
            .flatten()
            .unwrap_or_default(),
    }
}

fn days(errs: &mut ValidationErrors, field: &str, raw: &str) -> String {
    let s = crate::text::number_input(raw);
    if s.is_empty() {
        return s;
    }
    match s.parse::<u32>() {
        Ok(n) if n <= 365 => n.to_string(),
        _ => {
            errs.push(FieldError::new(
                field,
                "number_range",
                "0から365までの日数で入力してください",
                "Enter a number of days from 0 to 365.",
            ));
            String::new()
        }
    }
}

impl PlanDraft {
    /// Validates a plan, collecting every error; `today` bounds the agreement date (not in
    /// the future) and sets the default review date (a year after agreement).
    pub fn parse(input: &PlanInput, today: NaiveDate) -> Result<PlanDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let mut hazards = Vec::new();
        for h in &input.hazards {
            if h.trim().is_empty() {
                continue;
            }
            if let Some(c) = errs.check(VocabCode::parse(VocabKind::Hazard, "hazards", h)) {
                if !hazards.contains(&c.as_str().to_string()) {
                    hazards.push(c.as_str().to_string());
                }
            }
        }
        let floor = {
            let s = input.floor.trim();
            if s.is_empty() {
                String::new()
            } else {
                match s.parse::<i32>() {
                    Ok(n) if (-5..=80).contains(&n) => n.to_string(),
                    _ => {
                        errs.push(FieldError::new(
                            "floor",
                            "number_range",
                            "階は-5から80までの整数で入力してください",
                            "Enter the floor as a whole number from -5 to 80.",
                        ));
                        String::new()
                    }
                }
            }
        };
        let primary = destination(&mut errs, "primary", &input.primary);
        let secondary = destination(&mut errs, "secondary", &input.secondary);
        let supporters = person_list(&mut errs, "supporters", &input.supporters);
        let contacts = person_list(&mut errs, "contacts", &input.contacts);
        let line = |errs: &mut ValidationErrors, f: &str, v: &str, n: usize| {
            errs.check(optional_line(f, v, n))
                .flatten()
                .unwrap_or_default()
        };
        let text = |errs: &mut ValidationErrors, f: &str, v: &str, n: usize| {
            errs.check(optional_text(f, v, n))
                .flatten()
                .unwrap_or_default()
        };
        let transport = line(&mut errs, "transport", &input.transport, 200);
        let driver = line(&mut errs, "driver", &input.driver, 100);
        let hospital = line(&mut errs, "hospital", &input.hospital, 200);
        let hospital_phone = errs
            .check(optional_phone("hospital_phone", &input.hospital_phone))
            .flatten()
            .unwrap_or_default();
        let admission = text(&mut errs, "admission", &input.admission, 1000);
        let medicine_days = days(&mut errs, "medicine_days", &input.medicine_days);
        let consumable_days = days(&mut errs, "consumable_days", &input.consumable_days);
        let diagnoses = text(&mut errs, "diagnoses", &input.diagnoses, 1000);
        let medicines = text(&mut errs, "medicines", &input.medicines, 2000);
        let allergies = text(&mut errs, "allergies", &input.allergies, 500);
        let blood_type = blood_type(&mut errs, &input.blood_type);
        let weight_kg = weight(&mut errs, &input.weight_kg);
        let family_wishes = text(&mut errs, "family_wishes", &input.family_wishes, 1000);
        let notes = text(&mut errs, "notes", &input.notes, 4000);
        let date = |errs: &mut ValidationErrors, f: &str, v: &str| -> Option<NaiveDate> {
            if v.trim().is_empty() {
                None
            } else {
                errs.check(crate::dates::parse_date(f, v))
            }
        };
        let agreed_on = date(&mut errs, "agreed_on", &input.agreed_on);
        if agreed_on.is_some_and(|d| d > today) {
            errs.push(FieldError::new(
                "agreed_on",
                "future_date",
                "同意日に未来の日付は入力できません",
                "The agreement date cannot be in the future.",
            ));
        }
        let review = date(&mut errs, "review_due", &input.review_due);
        if let (Some(a), Some(r)) = (agreed_on, review) {
            if r <= a {
                errs.push(FieldError::new(
                    "review_due",
                    "before_agreement",
                    "見直し期限は同意日より後にしてください",
                    "The review date must be after the agreement.",
                ));
            }
        }
        let drill_id = input.drill_id.trim().to_string();
        errs.into_result()?;
        let mut warnings = Vec::new();
        if supporters.is_empty() && contacts.is_empty() {
            warnings.push("no_contact".to_string());
        }
        if agreed_on.is_none() {
            warnings.push("not_agreed".to_string());
        }
        let agreed = warnings.is_empty();
        let review_due =
            review.or_else(|| agreed_on.and_then(|a| a.checked_add_months(Months::new(12))));
        let content = PlanInput {
            hazards,
            floor,
            elevator: input.elevator,
            primary,
            secondary,
            transport,
            driver,
            supporters,
            hospital,
            hospital_phone,
            admission,
            medicine_days,
            consumable_days,
            contacts,
            diagnoses,
            medicines,
            allergies,
            blood_type,
            weight_kg,
            family_wishes,
            notes,
            agreed_on: agreed_on.map(|d| d.to_string()).unwrap_or_default(),
            review_due: review_due.map(|d| d.to_string()).unwrap_or_default(),
            drill_id,
        };
        Ok(PlanDraft {
            content,
            agreed,
            agreed_on,
            review_due,
            warnings,
        })
    }
}

/// A warning code as a sentence.
pub fn warning_message(code: &str, lang: Lang) -> &'static str {
    match code {
        "no_contact" => lang.pick(
            "避難支援者・緊急連絡先が1人も登録されていないため、下書きとして保存しました",
            "No supporter or emergency contact: saved as a draft.",
        ),
        "not_agreed" => lang.pick(
            "家族の同意日がないため、下書きとして保存しました",
            "No family agreement date: saved as a draft.",
        ),
        _ => "",
    }
}

/// One changed field between two versions.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Field name (e.g. `primary.name`, `contacts`).
    pub field: String,
    /// Before (as text).
    pub before: String,
    /// After (as text).
    pub after: String,
}

fn people_text(p: &[Person]) -> String {
    p.iter()
        .map(|x| format!("{}（{}）{}", x.name, x.relation, x.phone))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn fields(p: &PlanInput) -> Vec<(&'static str, String)> {
    vec![
        ("hazards", p.hazards.join(",")),
        ("floor", p.floor.clone()),
        ("elevator", p.elevator.to_string()),
        ("primary.kind", p.primary.kind.clone()),
        ("primary.name", p.primary.name.clone()),
        ("primary.detail", p.primary.detail.clone()),
        ("secondary.kind", p.secondary.kind.clone()),
        ("secondary.name", p.secondary.name.clone()),
        ("secondary.detail", p.secondary.detail.clone()),
        ("transport", p.transport.clone()),
        ("driver", p.driver.clone()),
        ("supporters", people_text(&p.supporters)),
        ("hospital", p.hospital.clone()),
        ("hospital_phone", p.hospital_phone.clone()),
        ("admission", p.admission.clone()),
        ("medicine_days", p.medicine_days.clone()),
        ("consumable_days", p.consumable_days.clone()),
        ("contacts", people_text(&p.contacts)),
        ("diagnoses", p.diagnoses.clone()),
        ("medicines", p.medicines.clone()),
        ("allergies", p.allergies.clone()),
        ("blood_type", p.blood_type.clone()),
        ("weight_kg", p.weight_kg.clone()),
        ("family_wishes", p.family_wishes.clone()),
        ("notes", p.notes.clone()),
        ("agreed_on", p.agreed_on.clone()),
        ("review_due", p.review_due.clone()),
    ]
}

/// What changed from `before` to `after`, field by field, in form order.
pub fn diff(before: &PlanInput, after: &PlanInput) -> Vec<Change> {
    fields(before)
        .into_iter()
        .zip(fields(after))
        .filter(|((_, b), (_, a))| a != b)
        .map(|((f, b), (_, a))| Change {
            field: f.to_string(),
            before: b,
            after: a,
        })
        .collect()
}

/// An evacuation destination kind, or empty (not decided).
pub fn destination_kind_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        std::iter::once("").chain(
            crate::plan::DestinationKind::all()
                .into_iter()
                .map(|k| k.code()),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn a_plan_without_contacts_is_a_draft_with_a_warning() {
        let d = PlanDraft::parse(
            &PlanInput {
                hazards: vec!["flood".into()],
                agreed_on: "2026-11-01".into(),
                ..Default::default()
            },
            today(),
        )
        .unwrap();
        assert!(!d.agreed);
        assert_eq!(d.warnings, ["no_contact"]);
        assert_eq!(
            d.review_due.map(|r| r.to_string()).as_deref(),
            Some("2027-11-01")
        );
    }

    #[test]
    fn agreed_plan_and_diff() {
        let mut input = PlanInput {
            contacts: vec![Person {
                name: "高知 花子".into(),
                relation: "母".into(),
                phone: "090-1234-5678".into(),
            }],
            agreed_on: "2026-11-01".into(),
            ..Default::default()
        };
        let a = PlanDraft::parse(&input, today()).unwrap();
        assert!(a.agreed);
        input.primary = Destination {
            kind: "welfare_shelter".into(),
            name: "高知市福祉避難所".into(),
            detail: String::new(),
        };
        let b = PlanDraft::parse(&input, today()).unwrap();
        let changes = diff(&a.content, &b.content);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].field, "primary.kind");
    }

    #[test]
    fn bad_input_is_collected() {
        let errs = PlanDraft::parse(
            &PlanInput {
                hazards: vec!["volcano".into()],
                floor: "200".into(),
                medicine_days: "-1".into(),
                agreed_on: "2027-01-01".into(),
                contacts: vec![Person {
                    name: String::new(),
                    relation: String::new(),
                    phone: "123".into(),
                }],
                ..Default::default()
            },
            today(),
        )
        .unwrap_err();
        for f in [
            "hazards",
            "floor",
            "medicine_days",
            "agreed_on",
            "contacts.0.name",
            "contacts.0.phone",
        ] {
            assert!(errs.for_field(f).is_some(), "{f}: {errs:?}");
        }
    }
}
