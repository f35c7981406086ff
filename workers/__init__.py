"""Village's background processes: RQ jobs, periodic jobs and the clock."""
