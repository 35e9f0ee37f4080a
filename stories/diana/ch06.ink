=== chapter_6 ===
{t("To be continued.", "Continuará.")} #chapter:6 #scene:stub_6
-> END
