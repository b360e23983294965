"""The clinician's pages: plain functions, one access rule each, objects looked up through the
clinician's own trials (another clinician's trial or participant is a 404, exactly as a
missing one is). Split by the trial's stages: trials, participants (screening, consent,
enrolment), monitoring, and the end (unblinding and results)."""
