//! Recording a consultation (受付): parsing and checking the form, its references and the insert.

use chrono::{DateTime, NaiveDate, Utc};
use domain::kana::KanaName;
use domain::text::{optional_line, optional_text, required_line};
use domain::vocab::{VocabCode, VocabKind};
use domain::{FieldError, ValidationErrors};

use super::persons::subject_person;
use super::{ConsultationForm, PersonForm, Recorded};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

pub(super) struct ConsultationDraft {
    pub(super) occurred_at: DateTime<Utc>,
    pub(super) channel: VocabCode,
    pub(super) requester_kind: VocabCode,
    pub(super) requester_name: Option<String>,
    pub(super) requester_org: Option<String>,
    pub(super) child_id: Option<String>,
    pub(super) person_id: Option<String>,
    pub(super) person: Option<(Option<String>, Option<String>, bool)>,
    /// See [`PersonForm::distinct`].
    pub(super) person_distinct: bool,
    pub(super) topics: Vec<VocabCode>,
    pub(super) summary: String,
    pub(super) response: Option<String>,
    pub(super) staff_id: Option<String>,
    pub(super) duration_minutes: Option<i64>,
    pub(super) followup_due: Option<NaiveDate>,
    pub(super) followup_assignee_id: Option<String>,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl ConsultationForm {
    /// Every problem of the form itself, all at once (nothing is read or written). A form that
    /// also fails checks of its own (e.g. the intake page's "pick a child") reports these in
    /// the same answer instead of one round at a time.
    pub fn check(&self, now: DateTime<Utc>) -> std::result::Result<(), ValidationErrors> {
        self.parse(now).map(|_| ())
    }

    pub(super) fn parse(
        &self,
        now: DateTime<Utc>,
    ) -> std::result::Result<ConsultationDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let occurred_at = if self.occurred_at.trim().is_empty() {
            Some(now)
        } else {
            e.check(domain::dates::parse_occurred_at(
                "occurred_at",
                &self.occurred_at,
                now,
            ))
        };
        let channel = e.check(VocabCode::parse(
            VocabKind::ConsultationChannel,
            "channel",
            &self.channel,
        ));
        let requester_kind = e.check(VocabCode::parse(
            VocabKind::RequesterKind,
            "requester_kind",
            &self.requester_kind,
        ));
        let requester_name = e.check(optional_line(
            "requester_name",
            &self.requester_name,
            domain::text::MAX_NAME,
        ));
        let requester_org = e.check(optional_line(
            "requester_org",
            &self.requester_org,
            domain::text::MAX_LINE,
        ));
        let child_id = non_empty(&self.child_id);
        let person_id = non_empty(&self.person_id);
        let person_distinct = self.person.as_ref().is_some_and(|p| p.distinct);
        let person = match &self.person {
            Some(p) if p.anonymous => Some((None, None, true)),
            Some(p)
                if p != &PersonForm::default()
                    && p != &(PersonForm {
                        distinct: true,
                        ..Default::default()
                    }) =>
            {
                let name = e.check(required_line(
                    "person.name",
                    &p.name,
                    domain::text::MAX_NAME,
                ));
                let kana = if p.name_kana.trim().is_empty() {
                    Some(None)
                } else {
                    e.check(KanaName::parse("person.name_kana", &p.name_kana))
                        .map(|k| Some(k.as_str().to_string()))
                };
                match (name, kana) {
                    (Some(n), Some(k)) => Some((Some(n), k, false)),
                    _ => None,
                }
            }
            _ => None,
        };
        let subjects = usize::from(child_id.is_some())
            + usize::from(person_id.is_some())
            + usize::from(person.is_some());
        if subjects > 1 {
            e.push(FieldError::new(
                "child_id",
                "ambiguous_subject",
                "相談の対象は児童か登録外の人のどちらか一方にしてください",
                "Choose either a registered child or an unregistered person, not both",
            ));
        }
        let mut topics = Vec::new();
        for t in &self.topics {
            if t.trim().is_empty() {
                continue;
            }
            if let Some(c) = e.check(VocabCode::parse(VocabKind::ConsultationTopic, "topics", t)) {
                if !topics.contains(&c) {
                    topics.push(c);
                }
            }
        }
        if topics.is_empty() && !e.iter().any(|x| x.field == "topics") {
            e.push(FieldError::new(
                "topics",
                "required",
                "相談内容の分類を1つ以上選んでください",
                "Choose at least one topic",
            ));
        }
        let summary = e.check(required_line_multi("summary", &self.summary));
        let response = e.check(optional_text(
            "response",
            &self.response,
            domain::text::MAX_TEXT,
        ));
        let duration_minutes = match self.duration_minutes {
            Some(m) if !(0..=24 * 60).contains(&m) => {
                e.push(FieldError::new(
                    "duration_minutes",
                    "out_of_range",
                    "所要時間は0〜1440分で入力してください",
                    "Duration must be between 0 and 1440 minutes",
                ));
                None
            }
            m => m,
        };
        let followup_due = if self.followup_due.trim().is_empty() {
            None
        } else {
            e.check(domain::dates::parse_date(
                "followup_due",
                &self.followup_due,
            ))
        };
        e.into_result()?;
        match (
            occurred_at,
            channel,
            requester_kind,
            requester_name,
            requester_org,
            summary,
            response,
        ) {
            (
                Some(occurred_at),
                Some(channel),
                Some(requester_kind),
                Some(requester_name),
                Some(requester_org),
                Some(summary),
                Some(response),
            ) => Ok(ConsultationDraft {
                occurred_at,
                channel,
                requester_kind,
                requester_name,
                requester_org,
                child_id,
                person_id,
                person,
                person_distinct,
                topics,
                summary,
                response,
                staff_id: non_empty(&self.staff_id),
                duration_minutes,
                followup_due,
                followup_assignee_id: non_empty(&self.followup_assignee_id),
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

fn required_line_multi(field: &str, raw: &str) -> std::result::Result<String, FieldError> {
    match optional_text(field, raw, domain::text::MAX_TEXT)? {
        Some(s) => Ok(s),
        None => required_line(field, raw, domain::text::MAX_TEXT),
    }
}

impl Store {
    /// Record a consultation (the intake form's one submit). Creates the lightweight person
    /// record when one is given inline, all in one transaction. Returns the new id.
    pub async fn record_consultation(
        &self,
        actor: &Actor,
        form: &ConsultationForm,
        now: DateTime<Utc>,
    ) -> Result<String> {
        Ok(self.record_consultation_linked(actor, form, now).await?.id)
    }

    /// [`Store::record_consultation`], also saying whether an inline unregistered person was
    /// linked to an earlier record of the same person (same normalised name and reading in
    /// the center) instead of creating a new one.
    pub async fn record_consultation_linked(
        &self,
        actor: &Actor,
        form: &ConsultationForm,
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        let d = form.parse(now)?;
        let mut w = self.begin_write().await?;
        let municipality = self.check_consultation_refs(&mut w.tx, actor, &d).await?;
        let (person_id, person_linked) = subject_person(&mut w.tx, actor, &d, now).await?;
        let id = new_id();
        let staff = d.staff_id.clone().unwrap_or_else(|| actor.user_id.clone());
        let assignee = d
            .followup_assignee_id
            .clone()
            .or_else(|| d.followup_due.map(|_| staff.clone()));
        crate::db::query(
            "INSERT INTO consultations (id, center_id, occurred_at, occurred_on, channel, requester_kind, requester_name, requester_org, \
             child_id, person_id, summary, response, staff_id, duration_minutes, followup_due, followup_assignee_id, municipality_code, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18)",
        )
        .bind(&id)
        .bind(&actor.center_id)
        .bind(ts(d.occurred_at))
        .bind(d.occurred_at.with_timezone(&domain::dates::jst()).date_naive().to_string())
        .bind(d.channel.as_str())
        .bind(d.requester_kind.as_str())
        .bind(&d.requester_name)
        .bind(&d.requester_org)
        .bind(&d.child_id)
        .bind(&person_id)
        .bind(&d.summary)
        .bind(&d.response)
        .bind(&staff)
        .bind(d.duration_minutes)
        .bind(d.followup_due.map(|x| x.to_string()))
        .bind(&assignee)
        .bind(&municipality)
        .bind(ts(now))
        .execute(&mut w.tx)
        .await?;
        super::write_topics(&mut w.tx, &id, &d.topics).await?;
        crate::stats::apply(&mut w.tx, &id, 1).await?;
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "consultation.create",
                entity: "consultation",
                entity_id: Some(&id),
                detail: match (&d.child_id, &person_id) {
                    (Some(c), _) => format!("child={c}"),
                    (None, Some(p)) if person_linked => format!("person={p} linked"),
                    _ => String::new(),
                },
            },
        )
        .await?;
        w.commit().await?;
        Ok(Recorded {
            id,
            person_id,
            person_linked,
        })
    }

    /// Check the child, person and staff a consultation refers to are in the actor's reach;
    /// returns the child's municipality (copied onto the consultation for area figures).
    pub(super) async fn check_consultation_refs(
        &self,
        tx: &mut crate::db::Conn,
        actor: &Actor,
        d: &ConsultationDraft,
    ) -> Result<Option<String>> {
        let mut errs = ValidationErrors::new();
        let mut municipality = None;
        if let Some(child) = &d.child_id {
            let row: Option<(String, String)> = crate::db::query_as(
                "SELECT center_id, municipality_code FROM children WHERE id = $1",
            )
            .bind(child)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some((center, m)) if center == actor.center_id => {
                    if actor.assigned_only() {
                        let ok: Option<String> = crate::db::query_scalar("SELECT child_id FROM child_coordinators WHERE child_id = $1 AND user_id = $2")
                            .bind(child)
                            .bind(&actor.user_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if ok.is_none() {
                            return Err(StoreError::Forbidden);
                        }
                    }
                    municipality = Some(m);
                }
                _ => errs.push(FieldError::new(
                    "child_id",
                    "unknown_child",
                    "その児童は登録されていません",
                    "No such child",
                )),
            }
        }
        if let Some(p) = &d.person_id {
            let found: Option<String> =
                crate::db::query_scalar("SELECT id FROM persons WHERE id = $1 AND center_id = $2")
                    .bind(p)
                    .bind(&actor.center_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                errs.push(FieldError::new(
                    "person_id",
                    "unknown_person",
                    "その相談対象者は登録されていません",
                    "No such person",
                ));
            }
        }
        for (field, uid) in [
            ("staff_id", &d.staff_id),
            ("followup_assignee_id", &d.followup_assignee_id),
        ] {
            if let Some(uid) = uid {
                let found: Option<String> = crate::db::query_scalar(
                    "SELECT id FROM users WHERE id = $1 AND center_id = $2",
                )
                .bind(uid)
                .bind(&actor.center_id)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    errs.push(FieldError::new(
                        field,
                        "unknown_user",
                        "その職員は登録されていません",
                        "No such staff member",
                    ));
                }
            }
        }
        errs.into_result()?;
        Ok(municipality)
    }
}
