-- Pre-aggregated consultation figures, maintained in every write transaction (store::stats).
CREATE TABLE consultation_month_counts (
    center_id TEXT NOT NULL REFERENCES centers(id),
    month TEXT NOT NULL,
    dimension TEXT NOT NULL,
    code TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (center_id, month, dimension, code)
) WITHOUT ROWID;
CREATE INDEX consultation_month_counts_month ON consultation_month_counts(month);

CREATE TABLE consultation_year_subjects (
    center_id TEXT NOT NULL REFERENCES centers(id),
    fiscal_year INTEGER NOT NULL,
    subject_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (center_id, fiscal_year, subject_id)
) WITHOUT ROWID;
CREATE INDEX consultation_year_subjects_year ON consultation_year_subjects(fiscal_year);
