"""reservist_review"""
