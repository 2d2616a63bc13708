//! A child's one equipment list (使用している医療機器, table `child_devices`): what the child
//! form, the power page, the outage estimate, the triage list, the emergency sheet, the offline
//! pack and the API all read and write. One fact, one place: there is no second list to fall
//! out of step with (see migration 0017).

use crate::db::Conn;
use domain::power::{DeviceDraft, DeviceInput, DeviceKind, Duty, PowerDevice};
use serde::Serialize;

use crate::{new_id, Result};

/// A device as stored and shown.
#[derive(utoipa::ToSchema, Clone, Debug, Serialize)]
pub struct DeviceRecord {
    /// Kind code.
    pub kind: DeviceKind,
    /// 名称・型番.
    pub name: Option<String>,
    /// Runs on electricity (電気を使う).
    pub uses_electricity: bool,
    /// Watts.
    pub watts: Option<i64>,
    /// Internal battery minutes.
    pub internal_minutes: Option<i64>,
    /// Spare batteries.
    pub spare_count: i64,
    /// Minutes per spare.
    pub spare_minutes: Option<i64>,
    /// Minutes used per hour (60 = continuous).
    pub minutes_per_hour: i64,
    /// Settings.
    pub settings: Option<String>,
}

/// The columns [`DeviceRecord::from_row`] reads, in its order.
pub(crate) const COLUMNS: &str = "kind, name, uses_electricity, watts, internal_minutes, \
     spare_count, spare_minutes, minutes_per_hour, settings";

/// A row of [`COLUMNS`].
pub(crate) type Row = (
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    i64,
    Option<String>,
);

impl DeviceRecord {
    /// A stored row; `None` for a kind code this build does not know.
    pub(crate) fn from_row(r: Row) -> Option<DeviceRecord> {
        let (kind, name, elec, watts, internal, spare_count, spare_minutes, mph, settings) = r;
        Some(DeviceRecord {
            kind: DeviceKind::parse(&kind)?,
            name,
            uses_electricity: elec != 0,
            watts,
            internal_minutes: internal,
            spare_count,
            spare_minutes,
            minutes_per_hour: mph,
            settings,
        })
    }

    /// The estimate's view of the device.
    pub(crate) fn device(&self) -> PowerDevice {
        let u = |v: Option<i64>| v.and_then(|x| u32::try_from(x).ok());
        PowerDevice {
            kind: self.kind,
            watts: u(self.watts),
            internal_minutes: u(self.internal_minutes),
            spare_count: u32::try_from(self.spare_count).unwrap_or(0),
            spare_minutes: u(self.spare_minutes),
            duty: match self.minutes_per_hour {
                m if m >= 60 => Duty::Continuous,
                m => Duty::Intermittent {
                    minutes_per_hour: u32::try_from(m).unwrap_or(60),
                },
            },
        }
    }

    /// The device as `domain::power::assess` takes it.
    pub(crate) fn draft(&self) -> DeviceDraft {
        DeviceDraft {
            device: self.device(),
            uses_electricity: self.uses_electricity,
            name: self.name.clone(),
            settings: self.settings.clone(),
        }
    }

    /// The form values.
    pub fn to_input(&self) -> DeviceInput {
        let s = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        DeviceInput {
            kind: self.kind.code().to_string(),
            name: self.name.clone().unwrap_or_default(),
            uses_electricity: self.uses_electricity,
            watts: s(self.watts),
            internal_minutes: s(self.internal_minutes),
            spare_count: if self.spare_count == 0 {
                String::new()
            } else {
                self.spare_count.to_string()
            },
            spare_minutes: s(self.spare_minutes),
            minutes_per_hour: if self.minutes_per_hour >= 60 {
                String::new()
            } else {
                self.minutes_per_hour.to_string()
            },
            settings: self.settings.clone().unwrap_or_default(),
        }
    }
}

/// A child's devices in the order of the list.
pub(crate) async fn load(conn: &mut Conn, child_id: &str) -> Result<Vec<DeviceRecord>> {
    let rows: Vec<Row> = crate::db::query_as(&format!(
        "SELECT {COLUMNS} FROM child_devices WHERE child_id = $1 ORDER BY position"
    ))
    .bind(child_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(DeviceRecord::from_row)
        .collect())
}

/// Replaces a child's list inside the caller's transaction. The caller recomputes the kept
/// estimate (`power_estimates::refresh`) in the same transaction.
pub(crate) async fn replace(conn: &mut Conn, child_id: &str, drafts: &[DeviceDraft]) -> Result<()> {
    crate::db::query("DELETE FROM child_devices WHERE child_id = $1")
        .bind(child_id)
        .execute(&mut *conn)
        .await?;
    for (i, d) in drafts.iter().enumerate() {
        crate::db::query(
            "INSERT INTO child_devices (id, child_id, position, kind, name, settings, uses_electricity, \
             watts, internal_minutes, spare_count, spare_minutes, minutes_per_hour) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        )
        .bind(new_id())
        .bind(child_id)
        .bind(i64::try_from(i).unwrap_or(0))
        .bind(d.device.kind.code())
        .bind(d.name.as_deref())
        .bind(d.settings.as_deref())
        .bind(i64::from(d.uses_electricity))
        .bind(d.device.watts.map(i64::from))
        .bind(d.device.internal_minutes.map(i64::from))
        .bind(i64::from(d.device.spare_count))
        .bind(d.device.spare_minutes.map(i64::from))
        .bind(i64::from(d.device.duty.minutes_per_hour()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
