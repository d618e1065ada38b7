"""The intervention model: strengths–risk map, case plans with Goal Attainment Scaling,
technique library, sessions, referrals and rule-based suggestions (issue 10)."""
