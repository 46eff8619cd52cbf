"""vigie"""
