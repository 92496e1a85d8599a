"""Sign-up (three modes), activation, login, logout, passwords."""
