"""A first look at slaclock: deadlines and working time on Russia's production calendar."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slaclock import Calendar

MSK = ZoneInfo("Europe/Moscow")
cal = Calendar.russia()  # Moscow, 09:00-18:00, official holidays, transfers, shortened days

opened = datetime(2026, 4, 30, 17, 30, tzinfo=MSK)  # Thursday before the May holidays
print("ticket opened        ", opened.isoformat())
print("24 business hours due", cal.add(opened, timedelta(hours=24)).isoformat())
print("desk next opens      ", cal.next_open(opened).isoformat())
print("working time to 6 May", cal.business_time(opened, datetime(2026, 5, 6, 15, tzinfo=MSK)))

print()
print("Russia 2026, 8-hour day: month, working days, days off, hours")
for row in Calendar.russia("09:00-13:00, 14:00-18:00").summary(2026).rows():
    print(f"  {row.label:8} {row.working_days:4} {row.days_off:4} "
          f"{row.working_hours / timedelta(hours=1):7.0f}")
