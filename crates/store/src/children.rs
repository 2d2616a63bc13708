//! The child registry: registration, editing, search and the child's page.

use chrono::{DateTime, NaiveDate, Utc};
use domain::care_score::{CareScore, WatchLevel};
use domain::kana::{normalize_for_search, KanaName};
use domain::municipality::MunicipalityCode;
use domain::power::{DeviceDraft, DeviceInput};
use domain::text::{optional_email, optional_line, optional_phone, optional_text, required_line};
use domain::vocab::{VocabCode, VocabKind};
use domain::{CareSetting, ChildStatus, FieldError, Sex, ValidationErrors};
use serde::{Deserialize, Serialize};

use crate::audit::{append, AuditEntry};
use crate::devices::DeviceRecord;
use crate::error::DuplicateCandidate;
use crate::{new_id, ts, Actor, Result, Store, StoreError};

/// A guardian as typed by the user (unparsed).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GuardianForm {
    /// 氏名
    pub name: String,
    /// フリガナ (optional)
    pub name_kana: String,
    /// 続柄, e.g. 母
    pub relation: String,
    /// Main phone.
    pub phone: String,
    /// Second phone.
    pub phone2: String,
    /// Email.
    pub email: String,
    /// Primary contact (主たる連絡先).
    pub is_primary: bool,
}

/// A child record as typed by the user or sent to the API: every field raw, parsed by
/// [`ChildForm::parse`]. The same shape is what `GET /api/v1/children/{id}` returns, so a PATCH is
/// "read, overlay the changed keys, parse".
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ChildForm {
    /// 姓
    pub family_name: String,
    /// 名
    pub given_name: String,
    /// セイ
    pub family_name_kana: String,
    /// メイ
    pub given_name_kana: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    /// female | male | other | unknown
    pub sex: String,
    /// 全国地方公共団体コード (6 digits)
    pub municipality_code: String,
    /// 住所
    pub address: String,
    /// 電話
    pub phone: String,
    /// in_nicu | hospitalized | at_home
    pub care_setting: String,
    /// NICU/hospital discharge date (YYYY-MM-DD), optional.
    pub discharged_on: String,
    /// Primary hospital (organization id), optional.
    pub primary_hospital_id: String,
    /// 主治医
    pub primary_doctor: String,
    /// School or nursery (organization id), optional.
    pub school_id: String,
    /// active | moved_out | adult_services | deceased | closed
    pub status: String,
    /// Date the status took effect (YYYY-MM-DD); defaults to today.
    pub status_since: String,
    /// Medical-care item codes.
    pub medical_care: Vec<String>,
    /// Free-text detail per medical-care code.
    pub medical_care_details: std::collections::BTreeMap<String, String>,
    /// 見守りスコアの区分 per medical-care code (`high` | `mid` | `low`, only levels the item
    /// has); a missing code = not entered.
    pub medical_care_watch: std::collections::BTreeMap<String, String>,
    /// Welfare service codes in use; empty = uses no welfare service.
    pub welfare_services: Vec<String>,
    /// Guardians in display order.
    pub guardians: Vec<GuardianForm>,
    /// The child's equipment list (使用している医療機器) in display order: the same list the
    /// power page edits, the estimate, triage and emergency sheet read.
    pub devices: Vec<DeviceInput>,
    /// Coordinator user ids assigned to the child.
    pub coordinator_ids: Vec<String>,
    /// 備考
    pub notes: String,
}

/// A parsed, valid child record ready to store.
#[derive(Clone, Debug)]
pub struct ChildDraft {
    family_name: String,
    given_name: String,
    family_name_kana: KanaName,
    given_name_kana: KanaName,
    birth_date: NaiveDate,
    sex: Sex,
    municipality: MunicipalityCode,
    address: Option<String>,
    phone: Option<String>,
    care_setting: CareSetting,
    discharged_on: Option<NaiveDate>,
    primary_hospital_id: Option<String>,
    primary_doctor: Option<String>,
    school_id: Option<String>,
    status: ChildStatus,
    status_since: NaiveDate,
    medical_care: Vec<CareItemDraft>,
    welfare_services: Vec<VocabCode>,
    guardians: Vec<Guardian>,
    devices: Vec<DeviceDraft>,
    coordinator_ids: Vec<String>,
    notes: Option<String>,
}

impl ChildDraft {
    /// Normalised search key over the フリガナ.
    fn search_kana(&self) -> String {
        normalize_for_search(&format!(
            "{}{}",
            self.family_name_kana.as_str(),
            self.given_name_kana.as_str()
        ))
    }
    fn search_name(&self) -> String {
        normalize_for_search(&format!("{}{}", self.family_name, self.given_name))
    }
    /// Search key over the given name's フリガナ (「こはる」 finds 〇〇 こはる).
    fn search_given_kana(&self) -> String {
        normalize_for_search(self.given_name_kana.as_str())
    }
    /// Search key over the given name (「花子」 finds 山田 花子).
    fn search_given_name(&self) -> String {
        normalize_for_search(&self.given_name)
    }
}

/// One medical care item of a parsed child record.
#[derive(Clone, Debug)]
struct CareItemDraft {
    code: VocabCode,
    detail: Option<String>,
    watch: Option<WatchLevel>,
}

/// A stored guardian.
#[derive(Clone, Debug, Serialize)]
pub struct Guardian {
    /// 氏名
    pub name: String,
    /// フリガナ
    pub name_kana: Option<String>,
    /// 続柄
    pub relation: String,
    /// Phone.
    pub phone: Option<String>,
    /// Second phone.
    pub phone2: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Primary contact.
    pub is_primary: bool,
}

fn parse_enum<T>(
    errs: &mut ValidationErrors,
    field: &str,
    raw: &str,
    default: Option<T>,
    parse: fn(&str) -> Option<T>,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        if default.is_none() {
            errs.push(FieldError::new(
                field,
                "required",
                "選択してください",
                "Please choose a value",
            ));
        }
        return default;
    }
    let v = parse(raw);
    if v.is_none() {
        errs.push(FieldError::new(
            field,
            "unknown_code",
            format!("「{raw}」は選択肢にありません"),
            format!("\"{raw}\" is not one of the choices"),
        ));
    }
    v
}

fn opt_date(errs: &mut ValidationErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        None
    } else {
        errs.check(domain::dates::parse_date(field, raw))
    }
}

fn opt_id(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl ChildForm {
    /// 医療的ケアスコア（参考） of the ticked items with their watch levels (a level that does
    /// not parse counts as not entered; stored records only hold valid levels).
    pub fn care_score(&self) -> CareScore {
        domain::care_score::score(self.medical_care.iter().map(|c| {
            let level = self
                .medical_care_watch
                .get(c)
                .and_then(|w| WatchLevel::parse(w));
            (c.as_str(), level)
        }))
    }

    /// Parse every field, collecting all errors so the form can show each one inline.
    /// `home_prefecture` is the center's prefecture code: a municipality typed by a name that
    /// several places share is taken when exactly one of them is there
    /// ([`MunicipalityCode::resolve`]).
    pub fn parse(
        &self,
        today: NaiveDate,
        home_prefecture: Option<&str>,
    ) -> std::result::Result<ChildDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let family_name = e.check(required_line(
            "family_name",
            &self.family_name,
            domain::text::MAX_NAME,
        ));
        let given_name = e.check(required_line(
            "given_name",
            &self.given_name,
            domain::text::MAX_NAME,
        ));
        let family_name_kana = e.check(KanaName::parse("family_name_kana", &self.family_name_kana));
        let given_name_kana = e.check(KanaName::parse("given_name_kana", &self.given_name_kana));
        let birth_date = e.check(domain::dates::parse_birth_date(
            "birth_date",
            &self.birth_date,
            today,
        ));
        let sex = parse_enum(&mut e, "sex", &self.sex, Some(Sex::Unknown), Sex::parse);
        let municipality = e.check(MunicipalityCode::resolve(
            "municipality_code",
            &self.municipality_code,
            home_prefecture,
        ));
        let address = e.check(optional_line(
            "address",
            &self.address,
            domain::text::MAX_LINE,
        ));
        let phone = e.check(optional_phone("phone", &self.phone));
        let care_setting = parse_enum(
            &mut e,
            "care_setting",
            &self.care_setting,
            Some(CareSetting::AtHome),
            CareSetting::parse,
        );
        let discharged_on = opt_date(&mut e, "discharged_on", &self.discharged_on);
        if let (Some(d), Some(b)) = (discharged_on, birth_date) {
            if d < b || d > today {
                e.push(FieldError::new(
                    "discharged_on",
                    "date_out_of_range",
                    "退院日は生年月日以降、今日以前の日付にしてください",
                    "Discharge date must be between the birth date and today",
                ));
            }
        }
        let primary_doctor = e.check(optional_line(
            "primary_doctor",
            &self.primary_doctor,
            domain::text::MAX_NAME,
        ));
        let status = parse_enum(
            &mut e,
            "status",
            &self.status,
            Some(ChildStatus::Active),
            ChildStatus::parse,
        );
        let status_since = if self.status_since.trim().is_empty() {
            Some(today)
        } else {
            e.check(domain::dates::parse_date(
                "status_since",
                &self.status_since,
            ))
        };
        if status_since.is_some_and(|d| d > today) {
            e.push(FieldError::new(
                "status_since",
                "future_date",
                "状態の開始日に未来の日付は入力できません",
                "The status date cannot be in the future",
            ));
        }
        let mut medical_care = Vec::new();
        for code in dedup(&self.medical_care) {
            if let Some(c) = e.check(VocabCode::parse(
                VocabKind::MedicalCareItem,
                "medical_care",
                &code,
            )) {
                let detail = self
                    .medical_care_details
                    .get(&code)
                    .map(String::as_str)
                    .unwrap_or("");
                let detail = e
                    .check(optional_line(
                        "medical_care_details",
                        detail,
                        domain::text::MAX_LINE,
                    ))
                    .flatten();
                let watch = self
                    .medical_care_watch
                    .get(&code)
                    .map(String::as_str)
                    .unwrap_or("");
                let watch = e
                    .check(domain::care_score::parse_watch(
                        "medical_care_watch",
                        &code,
                        watch,
                    ))
                    .flatten();
                medical_care.push(CareItemDraft {
                    code: c,
                    detail,
                    watch,
                });
            }
        }
        for (code, level) in &self.medical_care_watch {
            if !self.medical_care.contains(code) && !level.trim().is_empty() {
                e.push(FieldError::new(
                    "medical_care_watch",
                    "watch_without_item",
                    "見守りを選んだ医療的ケアにチェックを入れてください",
                    "Tick the medical-care item whose watch level you chose",
                ));
                break;
            }
        }
        for code in self.medical_care_details.keys() {
            if !self.medical_care.contains(code)
                && !self.medical_care_details[code].trim().is_empty()
            {
                e.push(FieldError::new(
                    "medical_care_details",
                    "detail_without_item",
                    "詳細を書いた医療的ケアにチェックを入れてください",
                    "Tick the medical-care item you described",
                ));
                break;
            }
        }
        let mut welfare_services = Vec::new();
        for code in dedup(&self.welfare_services) {
            if let Some(c) = e.check(VocabCode::parse(
                VocabKind::WelfareService,
                "welfare_services",
                &code,
            )) {
                welfare_services.push(c);
            }
        }
        if self.guardians.len() > 10 || self.coordinator_ids.len() > 10 {
            e.push(FieldError::new(
                "guardians",
                "too_many",
                "登録できる件数を超えています",
                "Too many entries",
            ));
        }
        let mut guardians = Vec::new();
        for g in &self.guardians {
            if g == &GuardianForm::default() {
                continue;
            }
            let name = e.check(required_line(
                "guardians.name",
                &g.name,
                domain::text::MAX_NAME,
            ));
            let name_kana = if g.name_kana.trim().is_empty() {
                None
            } else {
                e.check(KanaName::parse("guardians.name_kana", &g.name_kana))
                    .map(|k| k.as_str().to_string())
            };
            let relation = e.check(required_line("guardians.relation", &g.relation, 20));
            let phone = e.check(optional_phone("guardians.phone", &g.phone));
            let phone2 = e.check(optional_phone("guardians.phone2", &g.phone2));
            let email = e.check(optional_email("guardians.email", &g.email));
            if let (Some(name), Some(relation), Some(phone), Some(phone2), Some(email)) =
                (name, relation, phone, phone2, email)
            {
                guardians.push(Guardian {
                    name,
                    name_kana,
                    relation,
                    phone,
                    phone2,
                    email,
                    is_primary: g.is_primary,
                });
            }
        }
        let devices = domain::power::parse_devices(&self.devices, &mut e);
        let notes = e.check(optional_text("notes", &self.notes, domain::text::MAX_TEXT));
        e.into_result()?;
        match (
            family_name,
            given_name,
            family_name_kana,
            given_name_kana,
            birth_date,
            sex,
            municipality,
            address,
            phone,
            care_setting,
            primary_doctor,
            status,
            status_since,
            notes,
        ) {
            (
                Some(family_name),
                Some(given_name),
                Some(family_name_kana),
                Some(given_name_kana),
                Some(birth_date),
                Some(sex),
                Some(municipality),
                Some(address),
                Some(phone),
                Some(care_setting),
                Some(primary_doctor),
                Some(status),
                Some(status_since),
                Some(notes),
            ) => Ok(ChildDraft {
                family_name,
                given_name,
                family_name_kana,
                given_name_kana,
                birth_date,
                sex,
                municipality,
                address,
                phone,
                care_setting,
                discharged_on,
                primary_hospital_id: opt_id(&self.primary_hospital_id),
                primary_doctor,
                school_id: opt_id(&self.school_id),
                status,
                status_since,
                medical_care,
                welfare_services,
                guardians,
                devices,
                coordinator_ids: dedup(&self.coordinator_ids),
                notes,
            }),
            _ => Err(ValidationErrors(vec![FieldError::new(
                "form",
                "invalid",
                "入力内容を確認してください",
                "Please check the form",
            )])),
        }
    }
}

/// The list without repeats, each entry trimmed. A blank entry is kept (once) so that the
/// code parser refuses it: `["", "suction"]` is a mistake to report, not to pass over.
fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        let s = s.trim().to_string();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// One row of the children list.
#[derive(Clone, Debug, Serialize)]
pub struct ChildSummary {
    /// children.id
    pub id: String,
    /// 姓
    pub family_name: String,
    /// 名
    pub given_name: String,
    /// セイ
    pub family_name_kana: String,
    /// メイ
    pub given_name_kana: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    /// Municipality code.
    pub municipality_code: String,
    /// Status code.
    pub status: String,
    /// Uses no welfare service.
    pub uses_no_welfare: bool,
    /// Medical-care item codes.
    pub medical_care: Vec<String>,
    /// 医療的ケアスコア（参考） from the items and their watch levels.
    pub care_score: CareScore,
}

/// Filters for the children list. All optional; combined with AND.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChildQuery {
    /// Name or kana prefix, any script or width.
    pub q: String,
    /// Municipality code.
    pub municipality: String,
    /// Medical-care item code.
    pub medical_care: String,
    /// Only children who use no welfare service.
    pub no_welfare: bool,
    /// Age band code (e.g. "0-2").
    pub age_band: String,
    /// Keyset cursor from the previous page.
    pub after: String,
    /// Page size (default 50, max 200).
    pub limit: Option<i64>,
}

/// A page of children with the cursor for the next page.
#[derive(Clone, Debug, Serialize)]
pub struct ChildPage {
    /// Rows on this page.
    pub items: Vec<ChildSummary>,
    /// Cursor to pass as `after` for the next page, if any.
    pub next: Option<String>,
}

/// A child's full record for the child page and the API.
#[derive(Clone, Debug, Serialize)]
pub struct ChildRecord {
    /// children.id
    pub id: String,
    /// Editable fields in form shape.
    #[serde(flatten)]
    pub form: ChildForm,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Normalised "uses no welfare service" flag.
    pub uses_no_welfare: bool,
    /// Primary hospital's name, if set.
    pub primary_hospital_name: Option<String>,
    /// School/nursery's name, if set.
    pub school_name: Option<String>,
    /// Coordinators' display names.
    pub coordinator_names: Vec<String>,
    /// 医療的ケアスコア（参考） — information for the center, never a benefit decision.
    pub care_score: CareScore,
    /// Coordinators who have the child through a dispatch (not in `coordinator_ids`), with
    /// the last day of that access.
    pub dispatch_access: Vec<crate::scope::DispatchAccess>,
    /// Registered at (UTC).
    pub created_at: String,
    /// Last updated at (UTC).
    pub updated_at: String,
    /// How the actor came to read it (pages show a banner and no edit link outside scope).
    #[serde(skip)]
    pub access: ChildAccess,
}

/// How a child record was opened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChildAccess {
    /// Within the actor's own scope.
    #[default]
    Scope,
    /// Through a running break-the-glass grant ending at `until` (UTC).
    BreakGlass {
        /// Grant's end, UTC RFC 3339.
        until: String,
    },
    /// Through a referral from another center.
    Referral {
        /// The referring center's name.
        from_center: String,
    },
}

/// Binds a child's editable columns in the order the INSERT and UPDATE statements list them
/// (family_name … notes, the search keys after the names), so the two statements cannot
/// drift apart.
trait BindChild<'q> {
    fn bind_child(self, d: &'q ChildDraft) -> Self;
}

impl<'q> BindChild<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    fn bind_child(self, d: &'q ChildDraft) -> Self {
        self.bind(&d.family_name)
            .bind(&d.given_name)
            .bind(d.family_name_kana.as_str())
            .bind(d.given_name_kana.as_str())
            .bind(d.search_kana())
            .bind(d.search_name())
            .bind(d.search_given_kana())
            .bind(d.search_given_name())
            .bind(d.birth_date.to_string())
            .bind(d.sex.code())
            .bind(d.municipality.as_str())
            .bind(&d.address)
            .bind(&d.phone)
            .bind(d.care_setting.code())
            .bind(d.discharged_on.map(|x| x.to_string()))
            .bind(&d.primary_hospital_id)
            .bind(&d.primary_doctor)
            .bind(&d.school_id)
            .bind(d.status.code())
            .bind(d.status_since.to_string())
            .bind(i64::from(d.welfare_services.is_empty()))
            .bind(&d.notes)
    }
}

type ChildRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
);

impl Store {
    /// Register a child. Returns [`StoreError::PossibleDuplicate`] when a child with the same
    /// normalised kana and birth date exists, unless `confirm_duplicate`.
    pub async fn register_child(
        &self,
        actor: &Actor,
        form: &ChildForm,
        confirm_duplicate: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let today = now.with_timezone(&domain::dates::jst()).date_naive();
        let home = self.home_prefecture(actor).await?;
        let draft = form.parse(today, home.as_deref())?;
        let mut w = self.begin_write().await?;
        self.check_references(&mut w.tx, actor, &draft).await?;
        if !confirm_duplicate {
            let dups = find_duplicates(&mut w.tx, actor, &draft, None).await?;
            if !dups.is_empty() {
                return Err(StoreError::PossibleDuplicate(dups));
            }
        }
        let id = new_id();
        let now_s = ts(now);
        sqlx::query(
            "INSERT INTO children (id, center_id, family_name, given_name, family_name_kana, given_name_kana, search_kana, search_name, \
             search_given_kana, search_given_name, \
             birth_date, sex, municipality_code, address, phone, care_setting, discharged_on, primary_hospital_id, primary_doctor, school_id, \
             status, status_since, uses_no_welfare, notes, version, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,1,$25,$25)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind_child(&draft)
        .bind(&now_s)
        .execute(&mut *w.tx)
        .await?;
        write_children_parts(&mut w.tx, &id, &draft, actor, now).await?;
        crate::power_estimates::refresh(&mut w.tx, self.backend(), std::slice::from_ref(&id))
            .await?;
        // A coordinator who registers a child keeps it in scope.
        if actor.assigned_only() && !draft.coordinator_ids.contains(&actor.user_id) {
            sqlx::query("INSERT INTO child_coordinators (child_id, user_id) VALUES ($1,$2)")
                .bind(&id)
                .bind(&actor.user_id)
                .execute(&mut *w.tx)
                .await?;
        }
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "child.create",
                entity: "child",
                entity_id: Some(&id),
                detail: if confirm_duplicate {
                    "duplicate confirmed".into()
                } else {
                    String::new()
                },
            },
        )
        .await?;
        w.commit().await?;
        Ok(id)
    }

    /// Replace a child's editable fields. `expected_version` guards against overwriting a
    /// change made by someone else since the form was opened.
    pub async fn update_child(
        &self,
        actor: &Actor,
        id: &str,
        form: &ChildForm,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let today = now.with_timezone(&domain::dates::jst()).date_naive();
        let home = self.home_prefecture(actor).await?;
        let mut w = self.begin_write().await?;
        // Scope before validation: an out-of-scope caller learns nothing about the record.
        let version = self.scoped_child_version(&mut w.tx, actor, id).await?;
        let draft = form.parse(today, home.as_deref())?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::Conflict(
                "the record was changed by someone else".into(),
            ));
        }
        self.check_references(&mut w.tx, actor, &draft).await?;
        sqlx::query(
            "UPDATE children SET family_name=$1, given_name=$2, family_name_kana=$3, given_name_kana=$4, search_kana=$5, search_name=$6, \
             search_given_kana=$7, search_given_name=$8, \
             birth_date=$9, sex=$10, municipality_code=$11, address=$12, phone=$13, care_setting=$14, discharged_on=$15, primary_hospital_id=$16, \
             primary_doctor=$17, school_id=$18, status=$19, status_since=$20, uses_no_welfare=$21, notes=$22, version=version+1, updated_at=$23 \
             WHERE id=$24",
        )
        .bind_child(&draft)
        .bind(ts(now))
        .bind(id)
        .execute(&mut *w.tx)
        .await?;
        for table in ["child_medical_care", "child_welfare_services", "guardians"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE child_id = $1"))
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        if !actor.assigned_only() {
            // The form lists explicit assignments only; access through a dispatch stays.
            sqlx::query(
                "DELETE FROM child_coordinators WHERE child_id = $1 AND origin = 'assigned'",
            )
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        }
        let mut draft = draft;
        if actor.assigned_only() {
            // Coordinators cannot change who is assigned.
            draft.coordinator_ids.clear();
        }
        write_children_parts(&mut w.tx, id, &draft, actor, now).await?;
        crate::power_estimates::refresh(&mut w.tx, self.backend(), &[id.to_string()]).await?;
        append(
            &mut w.tx,
            self.backend(),
            Some(actor),
            now,
            AuditEntry {
                action: "child.update",
                entity: "child",
                entity_id: Some(id),
                detail: format!("version={}", version + 1),
            },
        )
        .await?;
        w.commit().await
    }

    async fn check_references(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        actor: &Actor,
        d: &ChildDraft,
    ) -> Result<()> {
        let mut errs = ValidationErrors::new();
        for (field, org) in [
            ("primary_hospital_id", &d.primary_hospital_id),
            ("school_id", &d.school_id),
        ] {
            if let Some(org) = org {
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM organizations WHERE id = $1 AND center_id = $2",
                )
                .bind(org)
                .bind(&actor.center_id)
                .fetch_optional(&mut **tx)
                .await?;
                if found.is_none() {
                    errs.push(FieldError::new(
                        field,
                        "unknown_organization",
                        "その機関は登録されていません",
                        "No such organization",
                    ));
                }
            }
        }
        for uid in &d.coordinator_ids {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT id FROM users WHERE id = $1 AND center_id = $2 AND role = 'coordinator'",
            )
            .bind(uid)
            .bind(&actor.center_id)
            .fetch_optional(&mut **tx)
            .await?;
            if found.is_none() {
                errs.push(FieldError::new(
                    "coordinator_ids",
                    "unknown_coordinator",
                    "そのコーディネーターは登録されていません",
                    "No such coordinator",
                ));
            }
        }
        errs.into_result()?;
        Ok(())
    }

    /// Recomputes stored search keys (children's four, unregistered persons' two) when they
    /// were made under other normalisation rules than this build's
    /// ([`domain::kana::SEARCH_KEY_VERSION`]) or never made by Rust: migration 0019 fills the
    /// new keys as far as SQL can (spaces, the reading's katakana), and this makes them exact
    /// (width, hiragana/katakana, variant kanji) once. Only rows whose keys differ are
    /// written. Runs at start-up.
    pub(crate) async fn ensure_search_keys(&self) -> Result<()> {
        const META_KEY: &str = "search_key_version";
        let version = domain::kana::SEARCH_KEY_VERSION.to_string();
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = $1")
                .bind(META_KEY)
                .fetch_optional(self.pool())
                .await?;
        if stored.as_deref() == Some(version.as_str()) {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        type KeyRow = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
        );
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT id, family_name, given_name, family_name_kana, given_name_kana, \
             search_kana, search_name, search_given_kana, search_given_name FROM children",
        )
        .fetch_all(&mut *w.tx)
        .await?;
        for (id, fam, given, fam_k, given_k, kana, name, given_kana, given_name) in rows {
            let want = (
                normalize_for_search(&format!("{fam_k}{given_k}")),
                normalize_for_search(&format!("{fam}{given}")),
                normalize_for_search(&given_k),
                normalize_for_search(&given),
            );
            if want != (kana, name, given_kana, given_name) {
                sqlx::query(
                    "UPDATE children SET search_kana = $1, search_name = $2, search_given_kana = $3, search_given_name = $4 WHERE id = $5",
                )
                .bind(want.0)
                .bind(want.1)
                .bind(want.2)
                .bind(want.3)
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
            }
        }
        crate::consultations::refresh_person_keys(&mut w.tx).await?;
        sqlx::query(
            "INSERT INTO store_meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(META_KEY)
        .bind(version)
        .execute(&mut *w.tx)
        .await?;
        w.commit().await
    }

    /// The prefecture code of the actor's center (where a typed municipality name is looked
    /// for first).
    pub async fn home_prefecture(&self, actor: &Actor) -> Result<Option<String>> {
        Ok(self
            .center(&actor.center_id)
            .await?
            .and_then(|c| domain::municipality::prefecture_code_of(&c.jurisdiction_code)))
    }

    /// Search the actor's children. Keyset-paginated by (kana, id) so deep pages stay fast.
    pub async fn search_children(
        &self,
        actor: &Actor,
        q: &ChildQuery,
        today: NaiveDate,
    ) -> Result<ChildPage> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        let (scope, mut binds) = actor.child_scope_sql(1);
        let mut sql = format!(
            "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, \
             c.municipality_code, c.status, c.search_kana, c.uses_no_welfare, \
             COALESCE((SELECT {agg} FROM child_medical_care m WHERE m.child_id = c.id), '') \
             FROM children c WHERE {scope}",
            agg = match self.backend() {
                crate::Backend::Sqlite => "group_concat(m.code || ':' || COALESCE(m.watch, ''), ',')",
                crate::Backend::Postgres => "string_agg(m.code || ':' || COALESCE(m.watch, ''), ',')",
            }
        );
        let push = |sql: &mut String, binds: &mut Vec<String>, cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&cond.replace("$?", &format!("${}", binds.len())));
        };
        let key = normalize_for_search(&q.q);
        if !key.is_empty() {
            // A half-open range over the prefix uses the (center, kana) index on both engines,
            // also in PostgreSQL's generic plans for prepared statements, which a `LIKE $n`
            // pattern does not (measured: 3× slower searches at national scale). SQLite
            // compares BINARY; on PostgreSQL the text_pattern_ops operators compare bytes too.
            // U+10FFFF sorts after every character a normalised name contains.
            let (ge, lt) = match self.backend() {
                crate::Backend::Sqlite => (">=", "<"),
                crate::Backend::Postgres => ("~>=~", "~<~"),
            };
            binds.push(key.clone());
            let lo = binds.len();
            binds.push(format!("{key}\u{10FFFF}"));
            let hi = binds.len();
            // Four keys, each a prefix range over its own (center, key, id) index: the whole
            // reading and the whole name (family name first, so 「やまだはなこ」 and 「山田 花子」
            // match; spaces are not part of a key) and the given name's reading and the given
            // name alone (「はなこ」, 「ハナコ」, 「花子」).
            sql.push_str(&format!(
                " AND ((c.search_kana {ge} ${lo} AND c.search_kana {lt} ${hi}) \
                 OR (c.search_name {ge} ${lo} AND c.search_name {lt} ${hi}) \
                 OR (c.search_given_kana {ge} ${lo} AND c.search_given_kana {lt} ${hi}) \
                 OR (c.search_given_name {ge} ${lo} AND c.search_given_name {lt} ${hi}))"
            ));
        }
        if !q.municipality.trim().is_empty() {
            push(
                &mut sql,
                &mut binds,
                " AND c.municipality_code = $?",
                q.municipality.trim().to_string(),
            );
        }
        if !q.medical_care.trim().is_empty() {
            push(
                &mut sql,
                &mut binds,
                " AND EXISTS (SELECT 1 FROM child_medical_care m2 WHERE m2.child_id = c.id AND m2.code = $?)",
                q.medical_care.trim().to_string(),
            );
        }
        if q.no_welfare {
            sql.push_str(" AND c.uses_no_welfare = 1");
        }
        if let Some(band) = domain::dates::AgeBand::parse(q.age_band.trim()) {
            let (earliest, latest) = band.birth_date_bounds(today);
            push(
                &mut sql,
                &mut binds,
                " AND c.birth_date <= $?",
                latest.to_string(),
            );
            if let Some(e) = earliest {
                push(
                    &mut sql,
                    &mut binds,
                    " AND c.birth_date >= $?",
                    e.to_string(),
                );
            }
        }
        if let Some((k, id)) = q.after.split_once('|') {
            binds.push(k.to_string());
            let a = binds.len();
            binds.push(id.to_string());
            let b = binds.len();
            sql.push_str(&format!(
                " AND (c.search_kana > ${a} OR (c.search_kana = ${a} AND c.id > ${b}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY c.search_kana, c.id LIMIT {}",
            limit + 1
        ));
        let mut query = sqlx::query_as::<_, ChildRow>(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let mut rows = query.fetch_all(self.pool()).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| format!("{}|{}", r.8, r.0))
        } else {
            None
        };
        Ok(ChildPage {
            items: rows
                .into_iter()
                .map(|r| {
                    // "code:watch,code:,…" — codes and levels never contain ':' or ','.
                    let care: Vec<(String, Option<WatchLevel>)> =
                        r.10.split(',')
                            .filter(|s| !s.is_empty())
                            .map(|s| {
                                let (code, watch) = s.split_once(':').unwrap_or((s, ""));
                                (code.to_string(), WatchLevel::parse(watch))
                            })
                            .collect();
                    let care_score =
                        domain::care_score::score(care.iter().map(|(c, w)| (c.as_str(), *w)));
                    ChildSummary {
                        id: r.0,
                        family_name: r.1,
                        given_name: r.2,
                        family_name_kana: r.3,
                        given_name_kana: r.4,
                        birth_date: r.5,
                        municipality_code: r.6,
                        status: r.7,
                        uses_no_welfare: r.9 != 0,
                        medical_care: care.into_iter().map(|(c, _)| c).collect(),
                        care_score,
                    }
                })
                .collect(),
            next,
        })
    }

    /// Open a child's record. Every successful view is audited (`child.view`); a coordinator
    /// opening an unassigned child gets [`StoreError::Forbidden`] and the attempt is audited too.
    pub async fn view_child(
        &self,
        actor: &Actor,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ChildRecord> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        // Read on the pool (concurrently with other readers), then release the record only
        // after its audit row — or the denial's — is committed.
        let mut conn = self.pool().acquire().await?;
        let scoped = self.scoped_child_version(&mut conn, actor, id).await;
        let mut detail = String::new();
        let record = match scoped {
            Err(StoreError::Forbidden) => {
                // Outside the actor's scope: only a running break-the-glass grant opens it.
                match crate::break_glass::running_grant(&mut conn, actor, id, now).await? {
                    Some((grant, until)) => {
                        detail = format!("break_glass={grant}");
                        let mut r = load_child(&mut conn, id).await?;
                        r.access = ChildAccess::BreakGlass { until };
                        r
                    }
                    None => {
                        drop(conn);
                        self.audit_event(
                            Some(actor),
                            now,
                            AuditEntry {
                                action: "child.view.denied",
                                entity: "child",
                                entity_id: Some(id),
                                detail: "outside scope".into(),
                            },
                        )
                        .await?;
                        return Err(StoreError::Forbidden);
                    }
                }
            }
            Err(StoreError::NotFound) => {
                // Another center's child: readable only through a running referral.
                match crate::consents::share_for(&mut conn, actor, id).await? {
                    Some((share, from_center)) => {
                        detail = format!("referral={share}");
                        let mut r = load_child(&mut conn, id).await?;
                        r.access = ChildAccess::Referral { from_center };
                        r
                    }
                    None => return Err(StoreError::NotFound),
                }
            }
            Err(e) => return Err(e),
            Ok(_) => load_child(&mut conn, id).await?,
        };
        drop(conn);
        self.audit_event(
            Some(actor),
            now,
            AuditEntry {
                action: "child.view",
                entity: "child",
                entity_id: Some(id),
                detail,
            },
        )
        .await?;
        Ok(record)
    }

    /// Coordinators (users with that role) of the actor's center, for the assignment picker.
    pub async fn center_coordinators(&self, center_id: &str) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, display_name FROM users WHERE center_id = $1 AND role = 'coordinator' AND disabled = 0 ORDER BY display_name, id",
        )
        .bind(center_id)
        .fetch_all(self.pool())
        .await?)
    }
}

async fn find_duplicates(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    d: &ChildDraft,
    exclude: Option<&str>,
) -> Result<Vec<DuplicateCandidate>> {
    let rows: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, family_name, given_name, family_name_kana, given_name_kana, birth_date FROM children \
         WHERE center_id = $1 AND search_kana = $2 AND birth_date = $3 AND id <> $4",
    )
    .bind(&actor.center_id)
    .bind(d.search_kana())
    .bind(d.birth_date.to_string())
    .bind(exclude.unwrap_or(""))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, f, g, fk, gk, b)| DuplicateCandidate {
            id,
            name: format!("{f} {g}"),
            kana: format!("{fk} {gk}"),
            birth_date: b,
        })
        .collect())
}

/// Keeps the dated service history (which decides payability) in step with the services the
/// form lists now: a service newly listed starts today, one no longer listed ends yesterday.
/// Back-dated corrections are made on the child's page (`Store::add_service_period`).
async fn sync_service_periods(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    d: &ChildDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let today = domain::dates::jst_date(now);
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM child_service_periods WHERE child_id = $1 AND (started_on IS NULL OR started_on <= $2) \
         AND (ended_on IS NULL OR ended_on >= $2)",
    )
    .bind(id)
    .bind(today.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for code in &d.welfare_services {
        if !open.iter().any(|c| c == code.as_str()) {
            sqlx::query(
                "INSERT INTO child_service_periods (id, child_id, code, started_on, ended_on, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,NULL,$5,$6)",
            )
            .bind(new_id())
            .bind(id)
            .bind(code.as_str())
            .bind(today.to_string())
            .bind(&actor.user_id)
            .bind(ts(now))
            .execute(&mut **tx)
            .await?;
        }
    }
    let yesterday = today.pred_opt().unwrap_or(today).to_string();
    for code in open {
        if !d.welfare_services.iter().any(|c| c.as_str() == code) {
            sqlx::query(
                "UPDATE child_service_periods SET ended_on = $1 WHERE child_id = $2 AND code = $3 \
                 AND (ended_on IS NULL OR ended_on >= $4)",
            )
            .bind(&yesterday)
            .bind(id)
            .bind(&code)
            .bind(today.to_string())
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn write_children_parts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    d: &ChildDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    sync_service_periods(tx, id, d, actor, now).await?;
    for m in &d.medical_care {
        sqlx::query(
            "INSERT INTO child_medical_care (child_id, code, detail, watch) VALUES ($1,$2,$3,$4)",
        )
        .bind(id)
        .bind(m.code.as_str())
        .bind(&m.detail)
        .bind(m.watch.map(WatchLevel::code))
        .execute(&mut **tx)
        .await?;
    }
    for code in &d.welfare_services {
        sqlx::query("INSERT INTO child_welfare_services (child_id, code) VALUES ($1,$2)")
            .bind(id)
            .bind(code.as_str())
            .execute(&mut **tx)
            .await?;
    }
    for (i, g) in d.guardians.iter().enumerate() {
        sqlx::query(
            "INSERT INTO guardians (id, child_id, position, name, name_kana, relation, phone, phone2, email, is_primary) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(new_id())
        .bind(id)
        .bind(i as i64)
        .bind(&g.name)
        .bind(&g.name_kana)
        .bind(&g.relation)
        .bind(&g.phone)
        .bind(&g.phone2)
        .bind(&g.email)
        .bind(i64::from(g.is_primary))
        .execute(&mut **tx)
        .await?;
    }
    crate::devices::replace(tx, id, &d.devices).await?;
    for uid in &d.coordinator_ids {
        // Ticking a coordinator who has the child through a dispatch makes it an assignment
        // (which never lapses).
        sqlx::query(
            "INSERT INTO child_coordinators (child_id, user_id, origin, access_until) VALUES ($1,$2,'assigned',NULL) \
             ON CONFLICT (child_id, user_id) DO UPDATE SET origin = 'assigned', access_until = NULL",
        )
        .bind(id)
        .bind(uid)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

type FullChildRow = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    ),
    (
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    (String, String, i64, Option<String>, i64, String, String),
);

async fn load_child(tx: &mut sqlx::AnyConnection, id: &str) -> Result<ChildRecord> {
    use sqlx::Row;
    let r = sqlx::query(
        "SELECT c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, c.sex, c.municipality_code, c.address, \
         c.phone, c.care_setting, c.discharged_on, c.primary_hospital_id, c.primary_doctor, c.school_id, \
         c.status, c.status_since, c.version, c.notes, c.uses_no_welfare, c.created_at, c.updated_at, \
         h.name, s.name FROM children c LEFT JOIN organizations h ON h.id = c.primary_hospital_id \
         LEFT JOIN organizations s ON s.id = c.school_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let row: FullChildRow = (
        (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get(7)?,
        ),
        (
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
            r.try_get(12)?,
            r.try_get(13)?,
        ),
        (
            r.try_get(14)?,
            r.try_get(15)?,
            r.try_get(16)?,
            r.try_get(17)?,
            r.try_get(18)?,
            r.try_get(19)?,
            r.try_get(20)?,
        ),
    );
    let hospital_name: Option<String> = r.try_get(21)?;
    let school_name: Option<String> = r.try_get(22)?;
    let (
        (
            family_name,
            given_name,
            family_name_kana,
            given_name_kana,
            birth_date,
            sex,
            municipality_code,
            address,
        ),
        (phone, care_setting, discharged_on, primary_hospital_id, primary_doctor, school_id),
        (status, status_since, version, notes, no_welfare, created_at, updated_at),
    ) = row;
    let care: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT code, detail, watch FROM child_medical_care WHERE child_id = $1 ORDER BY code",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let welfare: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM child_welfare_services WHERE child_id = $1 ORDER BY code",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let guardians: Vec<(String, Option<String>, String, Option<String>, Option<String>, Option<String>, i64)> = sqlx::query_as(
        "SELECT name, name_kana, relation, phone, phone2, email, is_primary FROM guardians WHERE child_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let devices = crate::devices::load(tx, id).await?;
    let coords: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.id, u.display_name FROM child_coordinators cc JOIN users u ON u.id = cc.user_id \
         WHERE cc.child_id = $1 AND cc.origin = 'assigned' ORDER BY u.display_name",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let form = ChildForm {
        family_name,
        given_name,
        family_name_kana,
        given_name_kana,
        birth_date,
        sex,
        municipality_code,
        address: address.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        care_setting,
        discharged_on: discharged_on.unwrap_or_default(),
        primary_hospital_id: primary_hospital_id.unwrap_or_default(),
        primary_doctor: primary_doctor.unwrap_or_default(),
        school_id: school_id.unwrap_or_default(),
        status,
        status_since,
        medical_care: care.iter().map(|(c, _, _)| c.clone()).collect(),
        medical_care_details: care
            .iter()
            .filter_map(|(c, d, _)| d.clone().map(|d| (c.clone(), d)))
            .collect(),
        medical_care_watch: care
            .iter()
            .filter_map(|(c, _, w)| w.clone().map(|w| (c.clone(), w)))
            .collect(),
        welfare_services: welfare,
        guardians: guardians
            .into_iter()
            .map(
                |(name, kana, relation, phone, phone2, email, p)| GuardianForm {
                    name,
                    name_kana: kana.unwrap_or_default(),
                    relation,
                    phone: phone.unwrap_or_default(),
                    phone2: phone2.unwrap_or_default(),
                    email: email.unwrap_or_default(),
                    is_primary: p != 0,
                },
            )
            .collect(),
        devices: devices.iter().map(DeviceRecord::to_input).collect(),
        coordinator_ids: coords.iter().map(|(id, _)| id.clone()).collect(),
        notes: notes.unwrap_or_default(),
    };
    let care_score = form.care_score();
    let dispatch_access = crate::scope::dispatch_accesses(tx, id).await?;
    Ok(ChildRecord {
        id: id.to_string(),
        form,
        version,
        uses_no_welfare: no_welfare != 0,
        primary_hospital_name: hospital_name,
        school_name,
        coordinator_names: coords.into_iter().map(|(_, n)| n).collect(),
        care_score,
        dispatch_access,
        created_at,
        updated_at,
        access: ChildAccess::Scope,
    })
}

impl Store {
    /// Name, kana and birth date of a child in the actor's scope, for labels (e.g. the intake
    /// form's selected child). Not a record view: the full record is audited by [`Store::view_child`].
    pub async fn child_brief(&self, actor: &Actor, id: &str) -> Result<Option<String>> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let (scope, binds) = actor.child_scope_sql(2);
        let sql = format!(
            "SELECT c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date FROM children c WHERE c.id = $1 AND {scope}"
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String, String)>(&sql).bind(id);
        for b in &binds {
            q = q.bind(b);
        }
        Ok(q.fetch_optional(self.pool())
            .await?
            .map(|(f, g, fk, gk, b)| format!("{f} {g}（{fk} {gk}）{b}")))
    }
}
