//! Batch proposals (一括提案): one recommendation per open request, confirmed together.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::dispatch::{CoordinatorProfile, DispatchRequest, Side, SidesNeeded, Urgency};
use domain::ids::CoordinatorId;
use domain::{dispatch, messages, ValidationErrors};
use serde::Serialize;

use super::{deny_unless_lead, request_of, Msg};
use crate::audit::{append, AuditEntry};
use crate::{Actor, Result, Store, StoreError};

/// One open request in a batch proposal.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct BatchLine {
    /// The request.
    pub request_id: String,
    /// Child's name.
    pub child_name: String,
    /// Municipality code.
    pub municipality_code: String,
    /// `medical`, `welfare` or `both`.
    pub sides: String,
    /// Urgency code.
    pub urgency: String,
    /// Proposed: (side, roster id); empty when nobody could be proposed.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub proposed: Vec<(String, String)>,
    /// Score of the proposal (the pair's joint score for both sides).
    pub score: u32,
    /// Why nobody, when `proposed` is empty.
    pub unassigned: Option<Msg>,
    /// Eligible people per side for changing the line: (side, [(roster id, name, score)]).
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub options: Vec<(String, Vec<(String, String, u32)>)>,
}

/// The batch proposal for all open requests of a center.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct BatchView {
    /// One line per open request, urgent first.
    pub lines: Vec<BatchLine>,
    /// Σ value of the proposal (scores + urgency bonuses).
    pub total_value: u64,
    /// No assignment can exceed this.
    pub upper_bound: u64,
    /// The proposal reaches the bound.
    pub proven_optimal: bool,
}

/// The advisor's choice for one request of a batch: roster ids per side (`medical`,
/// `welfare`; a single-side request uses its own side). Empty = leave the request open.
#[derive(utoipa::ToSchema, Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchPick {
    /// The request (required).
    pub request_id: String,
    /// Medical member (or the one coordinator of a medical request).
    #[serde(default)]
    pub medical: String,
    /// Welfare member (or the one coordinator of a welfare request).
    #[serde(default)]
    pub welfare: String,
}

fn unassigned_msg(r: dispatch::UnassignedReason) -> Msg {
    use dispatch::UnassignedReason as U;
    Msg::of(|l| {
        match r {
            U::NoEligibleCoordinator => l.pick(
                "条件を満たすコーディネーターがいません",
                "No coordinator meets the rules",
            ),
            U::NoEligiblePair => l.pick(
                "医療と福祉のペアを組める人がいません",
                "No medical + welfare pair is possible",
            ),
            U::CapacityUsedElsewhere => l.pick(
                "候補者の空き件数を他の依頼に使う方が全体の点数が高くなります",
                "The candidates' capacity serves other requests for a higher total",
            ),
        }
        .to_string()
    })
}

impl Store {
    async fn open_requests(
        &self,
        center_id: &str,
    ) -> Result<Vec<(DispatchRequest, String, String)>> {
        let rows: Vec<(String, String, String, String, String, String, String, String)> =
            crate::db::query_as(
                "SELECT r.id, r.child_id, r.municipality_code, r.topics, r.sides, r.urgency, ch.family_name, ch.given_name \
                 FROM dispatch_requests r JOIN children ch ON ch.id = r.child_id \
                 WHERE r.center_id = $1 AND r.status = 'open' ORDER BY r.created_at, r.id LIMIT 2000",
            )
            .bind(center_id)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter()
            .map(|(id, child, m, topics, sides, urgency, f, g)| {
                Ok((
                    request_of(&id, &child, &m, &topics, &sides, &urgency)?,
                    format!("{f} {g}"),
                    id,
                ))
            })
            .collect()
    }

    /// Proposes one assignment for every open request of the center that maximises the total
    /// score under every capacity (`domain::dispatch::assign_batch`), with each request's
    /// eligible people so the advisor can change any line. Nothing is written.
    pub async fn batch_proposal(&self, actor: &Actor, today: NaiveDate) -> Result<BatchView> {
        deny_unless_lead(actor)?;
        let open = self.open_requests(&actor.center_id).await?;
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let reqs: Vec<DispatchRequest> = open.iter().map(|(r, _, _)| r.clone()).collect();
        let a = dispatch::assign_batch(&reqs, &profiles, &weights, today);
        let name = |id: &CoordinatorId| {
            records
                .get(&id.to_string())
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        let mut lines: Vec<BatchLine> = open
            .iter()
            .map(|(req, child_name, id)| {
                let line = a.lines.iter().find(|l| l.request == req.id);
                let proposed = match line.map(|l| l.assigned) {
                    Some(dispatch::Assigned::One { coordinator }) => vec![(
                        req.sides
                            .single()
                            .unwrap_or(Side::Medical)
                            .code()
                            .to_string(),
                        coordinator.to_string(),
                    )],
                    Some(dispatch::Assigned::Pair { medical, welfare }) => vec![
                        ("medical".to_string(), medical.to_string()),
                        ("welfare".to_string(), welfare.to_string()),
                    ],
                    None => Vec::new(),
                };
                let sides: Vec<Side> = match req.sides.single() {
                    Some(s) => vec![s],
                    None => vec![Side::Medical, Side::Welfare],
                };
                let options = sides
                    .into_iter()
                    .map(|side| {
                        let mut one = req.clone();
                        one.sides = if side == Side::Medical {
                            SidesNeeded::Medical
                        } else {
                            SidesNeeded::Welfare
                        };
                        let list = dispatch::rank(&one, &profiles, &weights, today)
                            .iter()
                            .take(30)
                            .map(|c| {
                                (
                                    c.coordinator.id.to_string(),
                                    name(&c.coordinator.id),
                                    c.score,
                                )
                            })
                            .collect();
                        (side.code().to_string(), list)
                    })
                    .collect();
                BatchLine {
                    request_id: id.clone(),
                    child_name: child_name.clone(),
                    municipality_code: req.municipality.as_str().to_string(),
                    sides: req.sides.code().to_string(),
                    urgency: req.urgency.code().to_string(),
                    proposed,
                    score: line.map(|l| l.score).unwrap_or(0),
                    unassigned: a
                        .unassigned
                        .iter()
                        .find(|u| u.request == req.id)
                        .map(|u| unassigned_msg(u.reason)),
                    options,
                }
            })
            .collect();
        lines.sort_by(|x, y| {
            let u = |c: &str| Urgency::parse(c).map(Urgency::level).unwrap_or(0);
            u(&y.urgency).cmp(&u(&x.urgency))
        });
        Ok(BatchView {
            lines,
            total_value: a.total_value,
            upper_bound: a.upper_bound,
            proven_optimal: a.proven_optimal,
        })
    }

    /// Confirms a batch as the advisor left it: every line is checked first (request still
    /// open, each person eligible on their side with no override, a pair of two different
    /// people, no one beyond their remaining capacity across the whole batch), then all
    /// proposals are written in one transaction. Returns the number of requests proposed.
    pub async fn confirm_batch(
        &self,
        actor: &Actor,
        picks: &[BatchPick],
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        deny_unless_lead(actor)?;
        let (profiles, records) = self.profiles(&actor.center_id, today).await?;
        let weights = self.dispatch_weights(&actor.center_id).await?;
        let mut w = self.begin_write().await?;
        let open = self.open_requests(&actor.center_id).await?;
        let by_id: HashMap<&str, &DispatchRequest> =
            open.iter().map(|(r, _, id)| (id.as_str(), r)).collect();
        let find = |id: &str| profiles.iter().find(|p| p.id.to_string() == id.trim());
        let mut errs = ValidationErrors::new();
        let mut planned: Vec<(&str, &DispatchRequest, Vec<(&CoordinatorProfile, Side)>)> =
            Vec::new();
        let mut used: HashMap<String, u32> = HashMap::new();
        for pick in picks {
            let field = format!("line.{}", pick.request_id);
            let wanted: Vec<(Side, &str)> = [
                (Side::Medical, pick.medical.as_str()),
                (Side::Welfare, pick.welfare.as_str()),
            ]
            .into_iter()
            .filter(|(_, id)| !id.trim().is_empty())
            .collect();
            if wanted.is_empty() {
                continue;
            }
            let Some(req) = by_id.get(pick.request_id.as_str()).copied() else {
                errs.push(messages::dispatch::request_not_open(&field));
                continue;
            };
            let needed: Vec<Side> = match req.sides.single() {
                Some(s) => vec![s],
                None => vec![Side::Medical, Side::Welfare],
            };
            if wanted.iter().map(|(s, _)| *s).collect::<Vec<_>>() != needed {
                errs.push(messages::dispatch::sides_mismatch(&field));
                continue;
            }
            if wanted.len() == 2 && wanted[0].1.trim() == wanted[1].1.trim() {
                errs.push(messages::dispatch::same_person_twice(&field));
                continue;
            }
            let mut people = Vec::new();
            for (side, id) in wanted {
                let Some(p) = find(id) else {
                    errs.push(messages::dispatch::unknown_coordinator(&field));
                    continue;
                };
                let mut one = req.clone();
                one.sides = if side == Side::Medical {
                    SidesNeeded::Medical
                } else {
                    SidesNeeded::Welfare
                };
                let rules = dispatch::exclusions(&one, p, today);
                if let Some(rule) = rules.first() {
                    let n = records
                        .get(&p.id.to_string())
                        .map(|r| r.name.as_str())
                        .unwrap_or("");
                    errs.push(messages::dispatch::hard_rule(&field, n, rule));
                    continue;
                }
                *used.entry(p.id.to_string()).or_default() += 1;
                people.push((p, side));
            }
            planned.push((pick.request_id.as_str(), req, people));
        }
        for (id, n) in &used {
            if let Some(p) = find(id) {
                if *n > p.remaining_capacity() {
                    let name = records.get(id).map(|r| r.name.as_str()).unwrap_or("");
                    errs.push(messages::dispatch::over_capacity(
                        name,
                        *n,
                        p.remaining_capacity(),
                    ));
                }
            }
        }
        errs.into_result()?;
        let mut count = 0;
        for (request_id, req, people) in &planned {
            // Another advisor may have proposed it since the page was built.
            let still_open: Option<String> = crate::db::query_scalar(
                "SELECT id FROM dispatch_requests WHERE id = $1 AND status = 'open'",
            )
            .bind(*request_id)
            .fetch_optional(&mut w.tx)
            .await?;
            if still_open.is_none() {
                return Err(StoreError::Conflict(format!(
                    "request {request_id} was proposed by someone else meanwhile"
                )));
            }
            self.write_proposals(
                &mut w.tx,
                actor,
                request_id,
                req,
                people,
                &records,
                &weights,
                None,
                &[],
                today,
                now,
            )
            .await?;
            count += 1;
        }
        append(
            &mut w.tx,
            Some(actor),
            now,
            AuditEntry {
                action: "dispatch.batch",
                entity: "center",
                entity_id: Some(&actor.center_id),
                detail: format!("requests={count}"),
            },
        )
        .await?;
        w.commit().await?;
        Ok(count)
    }
}
