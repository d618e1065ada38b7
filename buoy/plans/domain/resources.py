"""The kinds of resource a department's directory holds and a case can be referred to.

The directory itself (names, contacts, eligibility, languages) is the department's data; the
kinds are fixed here so that suggestion rules can name them (``"referrals": ["charity_fund"]``)
and the directory's entries can be matched to a suggestion.
"""

from __future__ import annotations

RESOURCE_KINDS = (
    "charity_fund",  # a charity or foundation fund for treatment costs
    "medical_assistance",  # the civil-affairs medical-assistance scheme (医疗救助)
    "insurance_office",  # basic medical and critical illness insurance (大病保险) offices
    "crowdfunding_guidance",  # guidance on safe medical crowdfunding
    "lodging",  # low-cost or charity lodging near the hospital (爱心小家)
    "hospital_school",  # schooling for the ill child during treatment
    "peer_group",  # a group of parents of children with the same illness
    "psychology",  # a psychologist or counselling service
    "psychiatry",  # a psychiatric service, after a positive screen or a safety concern
)
