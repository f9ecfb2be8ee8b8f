"""The choices a section's fields offer: the codes stored, and their words.

portal/plan/sections.py builds its fields from these; the right-now page reads
REACHABLE (portal/reach.py says which of its codes is now)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The codes are stored and never translated; only their words are.

RESPONSIBILITIES = (
    ("diagnosis", _l("Diagnosis")),
    ("therapy", _l("Therapy")),
    ("medication", _l("Medication")),
    ("crisis_planning", _l("Crisis planning")),
    ("monitoring", _l("Monitoring")),
    ("school_liaison", _l("School liaison")),
    ("physical_health", _l("Physical health and wound care")),
    ("medicines_review", _l("Medicines review")),
)

ADJUSTMENT_KINDS = (
    ("extension", _l("Deadline extension")),
    ("reduced_workload", _l("Reduced workload")),
    ("exam_arrangement", _l("Exam arrangement")),
    ("leave_class_pass", _l("Leave-class pass")),
    ("attendance_flexibility", _l("Attendance flexibility")),
)

FOLLOW_UP_KINDS = (
    ("appointment", _l("Appointment")),
    ("aftercare", _l("Aftercare after an emergency visit or a discharge")),
    ("plan_review", _l("Plan review")),
    ("school_review", _l("School review")),
)

FOLLOW_UP_STATUSES = (
    ("scheduled", _l("Scheduled")),
    ("to_arrange", _l("Being arranged")),
    ("attended", _l("Attended")),
    ("missed", _l("Missed")),
    ("rescheduled", _l("Rescheduled")),
)

EPISODE_OUTCOMES = (
    ("returned_to_class", _l("Returned to class")),
    ("went_home", _l("Went home with a caregiver")),
    ("hospital", _l("Went to hospital")),
    ("other", _l("Other")),
)

THERAPY_MODALITIES = (
    ("cbt", _l("CBT-informed therapy")),
    ("dbt", _l("DBT or DBT-A (often with family work)")),
    ("mbt", _l("Mentalization-based therapy")),
    ("trauma", _l("Trauma-focused therapy")),
    ("family", _l("Family-based work")),
)

SEVERITY = (
    ("none", _l("No self-harm")),
    ("minor", _l("Minor, no first aid needed")),
    ("first_aid", _l("Needed first aid")),
    ("medical", _l("Needed medical care")),
)

URGES = (
    ("none", _l("No urges")),
    ("some_days", _l("Some days")),
    ("most_days", _l("Most days")),
    ("every_day", _l("Every day")),
)

URGE_TO_ACTION = (
    ("no_action", _l("Urges passed without acting")),
    ("hours", _l("Hours or longer")),
    ("under_hour", _l("Under an hour")),
    ("minutes", _l("A few minutes")),
)

YES_NO_UNSURE = (("yes", _l("Yes")), ("no", _l("No")), ("unsure", _l("Not sure")))

# The direct question's answers, "no" first: it is the answer most weeks.
NO_YES_UNSURE = (("no", _l("No")), ("yes", _l("Yes")), ("unsure", _l("Not sure")))

COEXISTING_CONDITIONS = (
    ("depression", _l("Depression")),
    ("anxiety", _l("Anxiety")),
    ("ptsd", _l("PTSD or trauma")),
    ("adhd", _l("ADHD")),
    ("eating", _l("An eating disorder")),
    ("substance", _l("Substance use")),
)

# When someone can be reached, in the deployment's time zone (portal/reach.py
# says which of these is now).
REACHABLE = (
    ("school_hours", _l("School hours")),
    ("evenings", _l("Evenings")),
    ("nights", _l("Nights")),
    ("weekends", _l("Weekends")),
)

EVENT_KINDS = (
    ("self_harm", _l("Self-harm at home or elsewhere")),
    ("emergency_visit", _l("A visit to an emergency department")),
    ("admission", _l("A hospital admission")),
    ("discharge", _l("A discharge from hospital")),
    ("crisis_call", _l("A call to a crisis line")),
)

CONTACT_KINDS = (("person", _l("A person")), ("service", _l("A service (crisis line, after-hours, primary care)")))
