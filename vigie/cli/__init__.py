"""vigie/cli"""
