"""The choices a section's fields offer: the codes stored, and their words.

portal/plan/sections.py builds its fields from these; the right-now page reads
REACHABLE (portal/reach.py says which of its codes is now)."""

from __future__ import annotations

RESPONSIBILITIES = (
    ("diagnosis", "Diagnosis"),
    ("therapy", "Therapy"),
    ("medication", "Medication"),
    ("crisis_planning", "Crisis planning"),
    ("monitoring", "Monitoring"),
    ("school_liaison", "School liaison"),
    ("physical_health", "Physical health and wound care"),
    ("medicines_review", "Medicines review"),
)

ADJUSTMENT_KINDS = (
    ("extension", "Deadline extension"),
    ("reduced_workload", "Reduced workload"),
    ("exam_arrangement", "Exam arrangement"),
    ("leave_class_pass", "Leave-class pass"),
    ("attendance_flexibility", "Attendance flexibility"),
)

FOLLOW_UP_KINDS = (
    ("appointment", "Appointment"),
    ("aftercare", "Aftercare after an emergency visit or a discharge"),
    ("plan_review", "Plan review"),
    ("school_review", "School review"),
)

FOLLOW_UP_STATUSES = (
    ("scheduled", "Scheduled"),
    ("to_arrange", "Being arranged"),
    ("attended", "Attended"),
    ("missed", "Missed"),
    ("rescheduled", "Rescheduled"),
)

EPISODE_OUTCOMES = (
    ("returned_to_class", "Returned to class"),
    ("went_home", "Went home with a caregiver"),
    ("hospital", "Went to hospital"),
    ("other", "Other"),
)

THERAPY_MODALITIES = (
    ("cbt", "CBT-informed therapy"),
    ("dbt", "DBT or DBT-A (often with family work)"),
    ("mbt", "Mentalization-based therapy"),
    ("trauma", "Trauma-focused therapy"),
    ("family", "Family-based work"),
)

SEVERITY = (
    ("none", "No self-harm"),
    ("minor", "Minor, no first aid needed"),
    ("first_aid", "Needed first aid"),
    ("medical", "Needed medical care"),
)

URGES = (
    ("none", "No urges"),
    ("some_days", "Some days"),
    ("most_days", "Most days"),
    ("every_day", "Every day"),
)

URGE_TO_ACTION = (
    ("no_action", "Urges passed without acting"),
    ("hours", "Hours or longer"),
    ("under_hour", "Under an hour"),
    ("minutes", "A few minutes"),
)

YES_NO_UNSURE = (("yes", "Yes"), ("no", "No"), ("unsure", "Not sure"))

# The direct question's answers, "no" first: it is the answer most weeks.
NO_YES_UNSURE = (("no", "No"), ("yes", "Yes"), ("unsure", "Not sure"))

COEXISTING_CONDITIONS = (
    ("depression", "Depression"),
    ("anxiety", "Anxiety"),
    ("ptsd", "PTSD or trauma"),
    ("adhd", "ADHD"),
    ("eating", "An eating disorder"),
    ("substance", "Substance use"),
)

# When someone can be reached, in the deployment's time zone (portal/reach.py
# says which of these is now).
REACHABLE = (
    ("school_hours", "School hours"),
    ("evenings", "Evenings"),
    ("nights", "Nights"),
    ("weekends", "Weekends"),
)

EVENT_KINDS = (
    ("self_harm", "Self-harm at home or elsewhere"),
    ("emergency_visit", "A visit to an emergency department"),
    ("admission", "A hospital admission"),
    ("discharge", "A discharge from hospital"),
    ("crisis_call", "A call to a crisis line"),
)

CONTACT_KINDS = (("person", "A person"), ("service", "A service (crisis line, after-hours, primary care)"))
