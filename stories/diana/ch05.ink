=== chapter_5 ===
{t("To be continued.", "Continuará.")} #chapter:5 #scene:stub_5
-> END
