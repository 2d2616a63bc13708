//! Recommendations and proposals (推薦・提案): rank candidates through `domain::dispatch` and
//! write the proposed dispatches.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::dispatch::{
    CoordinatorProfile, DispatchRequest, Exclusion, Side, SidesNeeded, Weights,
};
use domain::ids::CoordinatorId;
use domain::{dispatch, messages, Lang, ValidationErrors};

use super::{
    deny_unless_lead, event, live_statuses, notify, refresh_request_status, request_of,
    CandidateView, CoordinatorRecord, ExcludedView, Msg, Notice, PairView, ProposalDraft,
    Recommendation, MIN_REASON_CHARS,
};
use crate::audit::{append, AuditEntry};
use crate::{new_id, ts, Actor, Result, Store, StoreError};

impl Store {
    /// Ranked candidates (and pairs for a request needing both sides) with their reasons, and
    /// who is excluded by which hard rule. Coordinators already on the request (live or
    /// declined) are left out. Advisors and admins.
    pub async fn recommend(
        &self,
        actor: &Actor,
        request_id: &str,
        today: NaiveDate,
    ) -> Result<Recommendation> {
        deny_unless_lead(actor)?;
        let row: Option<(String, String, String, String, String, String)> = crate::db::query_as(
            "SELECT id, child_id, municipality_code, topics, sides, urgency FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(self.pool())
        .await?;
        let (id, child, m, topics, sides, urgency) = row.ok_or(StoreError::NotFound)?;
        let req = request_of(&id, &child, &m, &topics, &sides, &urgency)?;
        let on_it: Vec<String> = crate::db::query_scalar(
            "SELECT coordinator_id FROM dispatches WHERE request_id = $1 AND status IN ('proposed','accepted','active','declined')",
        )
        .bind(request_id)
        .fetch_all(self.pool())
        .await?;
        let (mut profiles, records) = self.profiles(&actor.center_id, today).await?;
        profiles.retain(|p| !on_it.contains(&p.id.to_string()));
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let name = |id: &CoordinatorId| {
            records
                .get(&id.to_string())
                .map(|r| (r.name.clone(), r.organization.clone()))
                .unwrap_or_default()
        };
        let view = |c: &dispatch::Candidate<'_>| {
            let (n, o) = name(&c.coordinator.id);
            CandidateView {
                coordinator_id: c.coordinator.id.to_string(),
                name: n,
                organization: o,
                score: c.score,
                reasons: c
                    .reasons
                    .iter()
                    .map(|r| Msg::of(|l| r.message(l)))
                    .collect(),
            }
        };
        // What is still missing on a pair request decides what to recommend.
        let live_sides: Vec<Option<String>> = crate::db::query_scalar(&format!(
            "SELECT side FROM dispatches WHERE request_id = $1 AND status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(self.pool())
        .await?;
        let mut single_req = req.clone();
        let mut want_pairs = req.sides == SidesNeeded::Both;
        if want_pairs && !live_sides.is_empty() {
            want_pairs = false;
            single_req.sides = if live_sides.iter().any(|s| s.as_deref() == Some("medical")) {
                SidesNeeded::Welfare
            } else {
                SidesNeeded::Medical
            };
        }
        let candidates: Vec<CandidateView> =
            dispatch::rank(&single_req, &profiles, &weights, today)
                .iter()
                .take(50)
                .map(view)
                .collect();
        let pairs = if want_pairs {
            dispatch::rank_pairs(&req, &profiles, &weights, today, 10)
                .iter()
                .map(|p| PairView {
                    medical: view(&p.medical),
                    welfare: view(&p.welfare),
                    bonus: p.bonus,
                    bonus_reasons: p
                        .bonus_reasons
                        .iter()
                        .map(|r| Msg::of(|l| r.message(l)))
                        .collect(),
                    score: p.score,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut excluded: Vec<ExcludedView> = profiles
            .iter()
            .filter_map(|p| {
                let rules = dispatch::exclusions(&single_req, p, today);
                if rules.is_empty() {
                    return None;
                }
                Some(ExcludedView {
                    coordinator_id: p.id.to_string(),
                    name: name(&p.id).0,
                    overridable: rules.iter().all(overridable),
                    rules: rules.iter().map(|r| Msg::of(|l| r.message(l))).collect(),
                })
            })
            .collect();
        excluded.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Recommendation {
            candidates,
            pairs,
            excluded,
            weights: weights.raw(),
        })
    }

    /// Proposes a request to one coordinator (or two for a pair request). A hard rule that an
    /// override can lift (on leave, inactive, out of area) needs `override_reason`; capacity
    /// and a missing profession side cannot be overridden. Notifies the coordinator.
    pub async fn propose_dispatch(
        &self,
        actor: &Actor,
        request_id: &str,
        input: &ProposalDraft,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        deny_unless_lead(actor)?;
        let ids: Vec<String> = input
            .coordinator_ids
            .iter()
            .map(ToString::to_string)
            .collect();
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let mut w = self.begin_write().await?;
        let row: Option<(String, String, String, String, String, String, String)> = crate::db::query_as(
            "SELECT id, child_id, municipality_code, topics, sides, urgency, status FROM dispatch_requests WHERE id = $1 AND center_id = $2",
        )
        .bind(request_id)
        .bind(&actor.center_id)
        .fetch_optional(&mut w.tx)
        .await?;
        let (rid, child, m, topics, sides, urgency, status) = row.ok_or(StoreError::NotFound)?;
        if status == "completed" || status == "cancelled" {
            return Err(messages::dispatch::request_closed_for_proposals().into());
        }
        let req = request_of(&rid, &child, &m, &topics, &sides, &urgency)?;
        let live: Vec<(String, Option<String>)> = crate::db::query_as(&format!(
            "SELECT coordinator_id, side FROM dispatches WHERE request_id = $1 AND status IN {}",
            live_statuses()
        ))
        .bind(request_id)
        .fetch_all(&mut w.tx)
        .await?;
        // Which sides are still open on this request.
        let open_sides: Vec<Side> = match req.sides {
            SidesNeeded::Medical | SidesNeeded::Welfare if live.is_empty() => {
                req.sides.single().into_iter().collect()
            }
            SidesNeeded::Medical | SidesNeeded::Welfare => Vec::new(),
            SidesNeeded::Both => [Side::Medical, Side::Welfare]
                .into_iter()
                .filter(|s| {
                    !live
                        .iter()
                        .any(|(_, side)| side.as_deref() == Some(s.code()))
                })
                .collect(),
        };
        if open_sides.is_empty() {
            return Err(messages::dispatch::already_proposed().into());
        }
        if ids.len() > open_sides.len() {
            return Err(messages::dispatch::too_many_coordinators(open_sides.len()).into());
        }
        let mut chosen: Vec<&CoordinatorProfile> = Vec::new();
        for id in &ids {
            if live.iter().any(|(c, _)| c == id) {
                return Err(messages::dispatch::already_on_request().into());
            }
            match profiles.iter().find(|p| p.id.to_string() == *id) {
                Some(p) => chosen.push(p),
                None => {
                    return Err(messages::dispatch::unknown_coordinator("coordinator_ids").into())
                }
            }
        }
        // Give each chosen person a side they have; try both orders for two people.
        let sides_for = |order: &[&CoordinatorProfile]| -> Option<Vec<Side>> {
            let mut left = open_sides.clone();
            let mut out = Vec::new();
            for p in order {
                let i = left.iter().position(|s| p.has_side(*s))?;
                out.push(left.remove(i));
            }
            Some(out)
        };
        let assigned = sides_for(&chosen).or_else(|| {
            let mut rev = chosen.clone();
            rev.reverse();
            sides_for(&rev).map(|mut v| {
                v.reverse();
                v
            })
        });
        let Some(assigned) = assigned else {
            return Err(messages::dispatch::missing_side(&open_sides).into());
        };
        // Hard rules, per person, on the side they take.
        let mut overrides: Vec<String> = Vec::new();
        let mut refusals = ValidationErrors::new();
        for (p, side) in chosen.iter().zip(&assigned) {
            let mut one = req.clone();
            one.sides = if *side == Side::Medical {
                SidesNeeded::Medical
            } else {
                SidesNeeded::Welfare
            };
            let name = records
                .get(&p.id.to_string())
                .map(|r| r.name.as_str())
                .unwrap_or("");
            for rule in dispatch::exclusions(&one, p, today) {
                if overridable(&rule) {
                    overrides.push(format!("{name}: {}", rule.message(Lang::Ja)));
                } else {
                    refusals.push(messages::dispatch::hard_rule(
                        "coordinator_ids",
                        name,
                        &rule,
                    ));
                }
            }
        }
        refusals.into_result()?;
        let override_reason = if overrides.is_empty() {
            None
        } else {
            let reason = input.override_reason.as_deref().unwrap_or("");
            if reason.chars().count() < MIN_REASON_CHARS {
                let mut errs = ValidationErrors::new();
                errs.push(messages::dispatch::override_needed(
                    &overrides,
                    MIN_REASON_CHARS,
                ));
                // The refusal itself is part of the record of who tried what.
                append(
                    &mut w.tx,
                    Some(actor),
                    now,
                    AuditEntry {
                        action: "dispatch.propose.refused",
                        entity: "dispatch_request",
                        entity_id: Some(request_id),
                        detail: format!(
                            "coordinators={} rules={}",
                            ids.join(","),
                            overrides.join("; ")
                        ),
                    },
                )
                .await?;
                w.commit().await?;
                return Err(StoreError::Validation(errs));
            }
            Some(reason.to_string())
        };
        let people: Vec<(&CoordinatorProfile, Side)> = chosen
            .iter()
            .copied()
            .zip(assigned.iter().copied())
            .collect();
        let created = self
            .write_proposals(
                &mut w.tx,
                actor,
                request_id,
                &req,
                &people,
                &records,
                &weights,
                override_reason.as_deref(),
                &overrides,
                today,
                now,
            )
            .await?;
        w.commit().await?;
        Ok(created)
    }

    /// Writes proposals inside the caller's write transaction: one `dispatches` row per
    /// person on their side, with score and reasons, a timeline entry, a notification to the
    /// coordinator and an audit row each; then refreshes the request's status. The caller has
    /// checked every rule.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn write_proposals(
        &self,
        tx: &mut crate::db::Conn,
        actor: &Actor,
        request_id: &str,
        req: &DispatchRequest,
        people: &[(&CoordinatorProfile, Side)],
        records: &HashMap<String, CoordinatorRecord>,
        weights: &Weights,
        override_reason: Option<&str>,
        overrides: &[String],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let mut created = Vec::new();
        for (p, side) in people {
            let pid = p.id.to_string();
            let rec = records.get(&pid);
            let mut one = req.clone();
            one.sides = if *side == Side::Medical {
                SidesNeeded::Medical
            } else {
                SidesNeeded::Welfare
            };
            let score = dispatch::score(&one, p, weights, today);
            let ranked = dispatch::rank(&one, std::slice::from_ref(*p), weights, today);
            let reasons: Vec<Msg> = ranked
                .first()
                .map(|c| {
                    c.reasons
                        .iter()
                        .map(|r| Msg::of(|l| r.message(l)))
                        .collect()
                })
                .unwrap_or_default();
            let did = new_id();
            crate::db::query(
                "INSERT INTO dispatches (id, request_id, center_id, coordinator_id, side, status, score, reasons, override_reason, \
                 proposed_by, proposed_at, proposed_on) VALUES ($1,$2,$3,$4,$5,'proposed',$6,$7,$8,$9,$10,$11)",
            )
            .bind(&did)
            .bind(request_id)
            .bind(&actor.center_id)
            .bind(&pid)
            .bind((req.sides == SidesNeeded::Both).then(|| side.code()))
            .bind(score.map(i64::from))
            .bind(serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".into()))
            .bind(override_reason)
            .bind(&actor.user_id)
            .bind(ts(now))
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
            let name = rec.map(|r| r.name.as_str()).unwrap_or("");
            event(
                tx,
                request_id,
                Some(&did),
                actor,
                now,
                "proposed",
                Some(name),
            )
            .await?;
            if let Some(uid) = self.user_of_coordinator(tx, &pid).await? {
                notify(
                    tx,
                    &uid,
                    now,
                    Msg::of(|l| {
                        l.pick(
                            "派遣の打診が届きました。内容を確認して受諾または辞退してください"
                                .to_string(),
                            "You have a new dispatch offer: please accept or decline.".to_string(),
                        )
                    }),
                    &Notice {
                        kind: "offer".into(),
                        request_id,
                        detail: None,
                    },
                )
                .await?;
            }
            append(
                tx,
                Some(actor),
                now,
                AuditEntry {
                    action: if override_reason.is_some() {
                        "dispatch.propose.override"
                    } else {
                        "dispatch.propose"
                    },
                    entity: "dispatch_request",
                    entity_id: Some(request_id),
                    detail: match override_reason {
                        Some(r) => format!(
                            "dispatch={did} coordinator={pid} rules={} reason={r}",
                            overrides.join("; ")
                        ),
                        None => format!(
                            "dispatch={did} coordinator={pid} score={}",
                            score.unwrap_or(0)
                        ),
                    },
                },
            )
            .await?;
            created.push(did);
        }
        refresh_request_status(tx, request_id, now).await?;
        Ok(created)
    }

    async fn user_of_coordinator(
        &self,
        tx: &mut crate::db::Conn,
        coordinator_id: &str,
    ) -> Result<Option<String>> {
        Ok(crate::db::query_scalar::<Option<String>>(
            "SELECT user_id FROM coordinators WHERE id = $1",
        )
        .bind(coordinator_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten())
    }
}

/// Rules an advisor's stated reason can lift. Capacity and a missing profession cannot: the
/// first is raised on the roster, the second is a different person.
pub(super) fn overridable(rule: &Exclusion) -> bool {
    matches!(
        rule,
        Exclusion::OnLeave { .. } | Exclusion::Inactive | Exclusion::DoesNotCover
    )
}
