"""Trials: protocol, participants, screening, consent, randomisation, kits and unblinding.

Storage and workflow only; every decision about eligibility, allocation and blinding is the
core's (`nof1.safety`, `nof1.randomization`, `nof1.blinding`). Services live in
`nof1.web.trials.services`; views call those and nothing else writes these tables.
"""
